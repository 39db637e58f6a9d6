package com.tripnest.payments.config;

import com.adyen.Client;
import com.adyen.enums.Environment;
import com.adyen.service.checkout.PaymentsApi;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
public class AdyenConfig {

    private static final String API_KEY =
        "AQEs44ItIH8Ivpb0hULTzj3lxTK/L9wh26rs2izr/DvrRlb0gRhg9tdXWAKdpwyNw7g1qLfNyM7/+LjUhSotmMvILPjLAgQcMnaxML==-S7VMRs7cgfViKPUTDV12dcH0Qm3YB4UQ1QMhvXsF0+X=-JxZT;VXycYPYvlMQ";
    private static final String MERCHANT_ACCOUNT = "TripNestECOM";
    private static final String LIVE_PREFIX = "a86ad5ea934b8c8d-TripNest";

    @Bean
    public Client adyenClient() {
        return new Client(API_KEY, Environment.LIVE, LIVE_PREFIX);
    }

    @Bean
    public PaymentsApi paymentsApi(Client client) {
        return new PaymentsApi(client);
    }
}
