package dev.trident.export;

import com.fasterxml.jackson.annotation.JsonProperty;

/** OAuth client credentials as returned by the partner registration API. */
public class ApiCredentials {

    @JsonProperty("client_id")
    private String clientId;

    @JsonProperty("client_secret")
    private String clientSecret;

    @JsonProperty("password")
    private char[] password;

    public String getClientSecret() {
        return clientSecret;
    }

    public void setClientSecret(String clientSecret) {
        this.clientSecret = clientSecret;
    }

    @Override
    public String toString() {
        return "ApiCredentials{clientId=" + clientId + ", clientSecret=****, password=****}";
    }
}
