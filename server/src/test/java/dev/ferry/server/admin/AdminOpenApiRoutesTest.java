package dev.ferry.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.admin.api.Limits;
import dev.ferry.admin.api.SessionCounts;
import dev.ferry.protocol.Frame;
import dev.ferry.server.MigrationState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document lists exactly the routes the server's router registers: same methods and
 * paths, the same ones authenticated and rate limited, and for each the error answers that follow
 * from that. The contract's shared constants agree with the server's.
 */
class AdminOpenApiRoutesTest {
    private static AdminTestServer t;
    private static final OpenApiDocument doc = OpenApiDocument.load();

    @BeforeAll
    static void start() {
        t = AdminTestServer.start();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void theDocumentListsExactlyTheRegisteredRoutes() {
        List<AdminRouter.RouteRule> registered = t.admin.router().rules();
        List<AdminRouter.RouteRule> documented = doc.operations().stream()
                .map(o -> new AdminRouter.RouteRule(o.method(), o.path(), o.authenticated(), o.rateLimited()))
                .toList();

        assertThat(documented).containsExactlyInAnyOrderElementsOf(registered);
        assertThat(registered).hasSize(11);
    }

    @Test
    void eachOperationDocumentsTheErrorsItsRouteCanAnswer() {
        for (OpenApiDocument.Operation op : doc.operations()) {
            String name = op.method() + " " + op.path();
            assertThat(op.response(doc, 401) != null)
                    .as("%s documents 401 exactly when it needs the token", name)
                    .isEqualTo(op.authenticated());
            for (int status : new int[] {413, 415, 429}) {
                assertThat(op.response(doc, status) != null)
                        .as("%s documents %d exactly when it is a changing request", name, status)
                        .isEqualTo(op.rateLimited());
            }
            boolean hasBody = !op.requestSchema().isMissingNode();
            assertThat(op.response(doc, 400) != null)
                    .as("%s documents 400 exactly when it reads a body", name)
                    .isEqualTo(hasBody);
            assertThat(op.response(doc, 500)).as("%s documents 500", name).isNotNull();
            if (op.response(doc, 429) != null) {
                assertThat(op.response(doc, 429).path("headers").has("Retry-After"))
                        .isTrue();
            }
            if (op.response(doc, 401) != null) {
                assertThat(op.response(doc, 401).path("headers").has("WWW-Authenticate"))
                        .isTrue();
            }
        }
    }

    @Test
    void theContractsConstantsAreTheServers() {
        assertThat(Limits.MAX_TARGETS).isEqualTo(Frame.Migrate.MAX_TARGETS);
        assertThat(SessionCounts.STATES)
                .containsExactlyElementsOf(
                        Arrays.stream(MigrationState.values()).map(Enum::name).toList());
        assertThat(BearerAuth.TOKEN_HEADER)
                .isEqualTo(doc.root
                        .path("components")
                        .path("securitySchemes")
                        .path("adminToken")
                        .path("name")
                        .asText());
    }
}
