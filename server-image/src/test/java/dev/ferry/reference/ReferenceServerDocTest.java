package dev.ferry.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/reference-server.md's table of environment variables, the server's own list ({@link ServerConfig#HELP}, what
 * {@code --help} prints) and the variables {@link ServerConfig} reads name the same set, so none of them can gain or
 * lose a variable alone.
 */
class ReferenceServerDocTest {
    private static final Pattern VARIABLE = Pattern.compile("FERRY_[A-Z_]+[A-Z]");
    private static final Pattern TABLE_ROW = Pattern.compile("(?m)^\\| `(FERRY_[A-Z_]+)` \\|");
    private static final Path DOC = MonitoringNamesTest.ROOT.resolve("docs/reference-server.md");
    private static final Path SOURCE =
            MonitoringNamesTest.ROOT.resolve("server-image/src/main/java/dev/ferry/reference/ServerConfig.java");

    @Test
    void theDocTheHelpAndTheCodeNameTheSameVariables() throws IOException {
        String doc = Files.readString(DOC);
        String table = doc.substring(doc.indexOf("<!-- ferry-env:begin"), doc.indexOf("<!-- ferry-env:end"));
        Set<String> documented = matches(TABLE_ROW, table, 1);
        Set<String> helped = matches(VARIABLE, ServerConfig.HELP, 0);
        String source = Files.readString(SOURCE);
        // What the code reads: the quoted names outside the HELP text block.
        String code = source.substring(0, source.indexOf("HELP = \"\"\""))
                + source.substring(source.indexOf("\"\"\";", source.indexOf("HELP = \"\"\"")));
        Set<String> read = matches(Pattern.compile("\"(FERRY_[A-Z_]+)\""), code, 1);

        assertThat(documented).as("variables in docs/reference-server.md").isEqualTo(helped);
        assertThat(read).as("variables ServerConfig reads").isEqualTo(helped);
    }

    private static Set<String> matches(Pattern pattern, String text, int group) {
        Set<String> found = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) found.add(m.group(group));
        return found;
    }
}
