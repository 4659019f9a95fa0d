package dev.ferry.reference;

import dev.ferry.client.ClientOptions;
import dev.ferry.client.FerryClient;
import dev.ferry.client.FerrySession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A client process for fault tests that must run the client elsewhere (inside a network
 * namespace): connects to the address in its first argument, then runs each command line read
 * from stdin and prints {@code OK <server> <migrations> <first row>} or
 * {@code ERR <exception class> <message>}.
 */
public final class FaultClient {
    private FaultClient() {}

    public static void main(String[] args) throws Exception {
        ClientOptions options = ClientOptions.builder()
                .serviceAddress(args[0])
                .readAhead(false)
                .connectTimeout(Duration.ofSeconds(2))
                .commandTimeout(Duration.ofSeconds(20))
                .build();
        try (FerryClient client = FerryClient.create(options)) {
            FerrySession session = client.connect();
            System.out.println("CONNECTED " + session.serverName());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                try {
                    String first = session.execute(line).firstText();
                    System.out.println("OK " + session.serverName() + " " + session.migrations() + " " + first);
                } catch (RuntimeException e) {
                    System.out.println("ERR " + e.getClass().getSimpleName() + " " + e.getMessage());
                }
            }
        }
    }
}
