package io.flopwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BearerTokenConfigTest {
    @TempDir
    Path dir;

    @Test
    void theTokenIsReadFromItsFileWithoutTheTrailingNewline() throws Exception {
        Path f = Files.writeString(dir.resolve("token"), "c0ffee\n");
        AgentConfig c = ConfigLoader.parse("f.yaml", "push:\n  bearer_token_file: " + f + "\n");
        BearerToken t = c.push().bearerToken().orElseThrow();
        assertTrue(t.matchesHeader("Bearer c0ffee"));
        // RFC 7235 §2.1: the scheme name is case-insensitive.
        assertTrue(t.matchesHeader("bearer c0ffee"));
        assertFalse(t.matchesHeader("Bearer c0ffe"));
        assertFalse(t.matchesHeader("Basic c0ffee"));
        assertFalse(t.matchesHeader(null));
        assertFalse(t.toString().contains("c0ffee"), "the secret never appears in a printed config");
        assertTrue(ConfigLoader.defaults().push().bearerToken().isEmpty());
    }

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("empty", "\n", "must hold one token"),
                Arguments.of("two words", "a b\n", "must hold one token"),
                Arguments.of("two lines", "a\nb\n", "must hold one token"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void aFileThatHoldsNoSingleTokenIsAConfigError(String why, String content, String problem) throws Exception {
        Path f = Files.writeString(dir.resolve("token"), content);
        InputError e = assertThrows(InputError.class,
                () -> ConfigLoader.parse("f.yaml", "push:\n  bearer_token_file: " + f + "\n"));
        assertTrue(e.getMessage().startsWith("f.yaml:2:22: push.bearer_token_file: "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), why + ": " + e.getMessage());
    }

    @Test
    void aMissingFileIsAConfigError() {
        InputError e = assertThrows(InputError.class,
                () -> ConfigLoader.parse("f.yaml", "push:\n  bearer_token_file: " + dir.resolve("nope") + "\n"));
        assertEquals("push.bearer_token_file", e.field());
    }
}
