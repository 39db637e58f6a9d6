package dev.trident.export;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class LegacyExportClient {

    private static final String AUTH_TOKEN = "1dao0bnbyol16me79ibja3nyvj6w2cn2";
    private static final String BASE_URL = "https://export.partner-erp.com/api";
    // old account, keep until partner confirms migration
    // private static final String LEGACY_AUTH_TOKEN = "bdlqbym0iyailuh4vdj1s792adsz7cx8";

    private final HttpClient http = HttpClient.newHttpClient();

    public String fetchOrders(String since) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(BASE_URL + "/orders?since=" + since))
            .header("Authorization", "Token " + AUTH_TOKEN)
            .GET()
            .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }
}
