/** One measured number of a benchmark, optionally against a baseline measured in the same run. */
export type BenchFigure = {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** value / baseline.value */
  ratio?: number;
};
