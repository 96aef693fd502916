import { PinoPretty } from 'pino-pretty';

/**
 * The console log for people (`serve`'s default): one line per event, `12:04:05.123 WARN  message
 * key=value`, coloured when the stream is a terminal. pino-pretty, run in this thread (no worker:
 * a crash's last lines are not lost). `--log-format json` keeps pino's JSON lines for machines.
 */
export function prettyLog(stream: NodeJS.WriteStream): NodeJS.WritableStream {
  return PinoPretty({
    destination: stream,
    sync: true,
    colorize: stream.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
  });
}
