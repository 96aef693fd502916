// A merchant's ePayment flow with the JDK only (java.net.http.HttpClient, Java 11+).
//
// The base URL is the real one, built in: https://apitest.vipps.no. Pointed at the Vipps Devkit
// emulator by DNS and a trusted CA (docs/any-language.md), it runs unchanged:
//
//   vipps-devkit trust --install java          # makes .vipps-devkit/tls/truststore.p12
//   vipps-devkit env > .env && set -a && . ./.env && set +a
//   VIPPS_DEVKIT_APPROVE=1 java -Djavax.net.ssl.trustStore=.vipps-devkit/tls/truststore.p12 \
//     -Djavax.net.ssl.trustStorePassword=changeit VippsPayment.java
//
// Access token -> create a payment -> the user approves -> capture. On the real test environment
// the user approves in the Vipps MT app; with VIPPS_DEVKIT_APPROVE=1 the emulator's simulated app
// does. JSON is read with a regular expression to keep to the JDK: use your JSON library instead.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class VippsPayment {
    static final String BASE_URL = "https://apitest.vipps.no";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final String SUBSCRIPTION_KEY = System.getenv("VIPPS_SUBSCRIPTION_KEY");
    static final String MSN = System.getenv("VIPPS_MERCHANT_SERIAL_NUMBER");

    static String call(String method, String path, Map<String, String> headers, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE_URL + path))
            .timeout(Duration.ofSeconds(30))
            .header("Ocp-Apim-Subscription-Key", SUBSCRIPTION_KEY)
            .header("Merchant-Serial-Number", MSN)
            .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) request.header("Content-Type", "application/json");
        headers.forEach(request::header);
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        return response.body();
    }

    static String field(String json, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(json);
        if (!m.find()) throw new IllegalStateException("not found (" + pattern + ") in " + json);
        return m.group(1);
    }

    public static void main(String[] args) throws Exception {
        String token = field(call("POST", "/accesstoken/get",
            Map.of("client_id", System.getenv("VIPPS_CLIENT_ID"), "client_secret", System.getenv("VIPPS_CLIENT_SECRET")), null),
            "\"access_token\"\\s*:\\s*\"([^\"]+)\"");
        Map<String, String> auth = Map.of("Authorization", "Bearer " + token);
        String reference = "java-" + UUID.randomUUID().toString().substring(0, 12);
        String amount = "{\"currency\":\"NOK\",\"value\":4900}";

        String created = call("POST", "/epayment/v1/payments", Map.of("Authorization", "Bearer " + token, "Idempotency-Key", reference),
            "{\"amount\":" + amount + ",\"paymentMethod\":{\"type\":\"WALLET\"},\"reference\":\"" + reference + "\","
                + "\"userFlow\":\"WEB_REDIRECT\",\"returnUrl\":\"https://shop.example/thanks\",\"paymentDescription\":\"Java example\"}");
        System.out.println("created " + reference + ": the user approves at " + field(created, "\"redirectUrl\"\\s*:\\s*\"([^\"]+)\""));

        if ("1".equals(System.getenv("VIPPS_DEVKIT_APPROVE"))) call("POST", "/devkit/v1/payments/" + reference + "/approve", Map.of(), "{}");

        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            String state = field(call("GET", "/epayment/v1/payments/" + reference, auth, null), "\"state\"\\s*:\\s*\"([A-Z_]+)\"");
            if (state.equals("AUTHORIZED")) break;
            if (state.equals("ABORTED") || state.equals("EXPIRED") || state.equals("TERMINATED") || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(reference + " was not approved: " + state);
            }
            Thread.sleep(1000);
        }

        String captured = call("POST", "/epayment/v1/payments/" + reference + "/capture",
            Map.of("Authorization", "Bearer " + token, "Idempotency-Key", reference + "-capture"), "{\"modificationAmount\":" + amount + "}");
        String value = field(captured, "\"capturedAmount\"\\s*:\\s*\\{[^}]*\"value\"\\s*:\\s*(\\d+)");
        System.out.println("captured " + reference + " " + value + " NOK");
    }
}
