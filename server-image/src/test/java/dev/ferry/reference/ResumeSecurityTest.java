package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Frame;
import dev.ferry.protocol.ProtocolVersion;
import dev.ferry.protocol.ResumeToken;
import dev.ferry.protocol.SessionId;
import dev.ferry.server.MigrationTimers;
import dev.ferry.server.WireClient;
import dev.ferry.testkit.RedisServer;
import dev.ferry.testkit.RedisServerExtension;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Invariants 3 and 5 with three reference servers sharing a real redis-server, frame by frame:
 * at most one server resumes a session, and a resume needs the session's token.
 */
@ExtendWith(RedisServerExtension.class)
class ResumeSecurityTest {
    static RedisServer redis;
    private TestFleet fleet;

    @BeforeEach
    void fleet() {
        fleet = new TestFleet(redis, 3, MigrationTimers.ofSeconds(30, 60));
    }

    @AfterEach
    void stop() {
        fleet.close();
    }

    /**
     * A RESUME as a client sends it; a client that gets its session back goes on with it (one PING here) before it
     * closes. One that closed without a word would look like a client that gave up on the answer, and the server
     * would hand the session back for its next RESUME.
     */
    private static Frame resume(String address, Frame.Welcome w, ResumeToken token) {
        try (WireClient c = WireClient.connect(address)) {
            c.send(new Frame.Resume(ProtocolVersion.CURRENT, w.sessionId(), token, 0));
            Frame answer = c.next();
            if (answer instanceof Frame.Welcome welcome && welcome.resumed()) {
                c.send(new Frame.Command(1, "PING"));
                c.untilFinal(1);
            }
            return answer;
        }
    }

    @Test
    void twoServersRacingToResumeOneSessionOnlyOneWins() throws Exception {
        try (WireClient source = WireClient.connect(fleet.address(0))) {
            Frame.Welcome w = source.hello();
            fleet.server(0).migrate(1, List.of(fleet.address(1), fleet.address(2)));
            source.expect(Frame.Migrate.class);

            CompletableFuture<Frame> at1 =
                    CompletableFuture.supplyAsync(() -> resume(fleet.address(1), w, w.resumeToken()));
            CompletableFuture<Frame> at2 =
                    CompletableFuture.supplyAsync(() -> resume(fleet.address(2), w, w.resumeToken()));
            List<Frame> answers = List.of(at1.get(), at2.get());

            assertThat(answers)
                    .filteredOn(f -> f instanceof Frame.Welcome welcome && welcome.resumed())
                    .hasSize(1);
            // The loser learns who won: ALREADY_CLAIMED, or CLAIM_PENDING if it asked before the winner confirmed its
            // claim.
            Frame.Error lost = (Frame.Error) answers.stream()
                    .filter(Frame.Error.class::isInstance)
                    .findFirst()
                    .orElseThrow();
            String loser = answers.get(0) == lost ? fleet.address(1) : fleet.address(2);
            assertThat(lost.code()).isIn(ErrorCode.ALREADY_CLAIMED, ErrorCode.CLAIM_PENDING);
            assertThat(lost.text())
                    .contains(w.sessionId().toString())
                    .containsPattern("(already resumed|being resumed) by pod-");
            // Once the winner has confirmed, asking again is a plain ALREADY_CLAIMED: nobody can take it over.
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(resume(loser, w, w.resumeToken()))
                            .isInstanceOfSatisfying(Frame.Error.class, e -> {
                                assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_CLAIMED);
                                assertThat(e.text()).contains("already resumed by pod-");
                            }));
        }
    }

    @Test
    void aWrongTokenIsRefusedWithAClearErrorAndTheRightOneStillWorks() {
        try (WireClient source = WireClient.connect(fleet.address(0))) {
            Frame.Welcome w = source.hello();
            fleet.server(0).migrate(1, List.of(fleet.address(1)));
            source.expect(Frame.Migrate.class);

            Frame refused = resume(fleet.address(1), w, ResumeToken.random(new SecureRandom()));
            assertThat(refused).isInstanceOfSatisfying(Frame.Error.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.BAD_TOKEN);
                assertThat(e.text()).isEqualTo("the resume token does not match session " + w.sessionId());
            });
            assertThat(resume(fleet.address(1), w, w.resumeToken())).isInstanceOf(Frame.Welcome.class);
        }
    }

    @Test
    void aGuessedSessionIdIsToldItHasExpiredOrDoesNotExist() {
        SessionId guessed = SessionId.random(new SecureRandom());
        Frame.Welcome fake =
                new Frame.Welcome(ProtocolVersion.CURRENT, guessed, ResumeToken.random(new SecureRandom()), "x", false);
        assertThat(resume(fleet.address(1), fake, fake.resumeToken())).isInstanceOfSatisfying(Frame.Error.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.SESSION_EXPIRED);
            assertThat(e.text()).contains(guessed.toString()).contains("expired or does not exist");
        });
    }
}
