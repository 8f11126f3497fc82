package dev.chime.store.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorTextTest {

    @Test
    void nulCharactersAreRemovedAndLoneSurrogatesReplaced() {
        assertThat(ErrorText.clean("a\u0000b\uD800c\uDC00d")).isEqualTo("ab\uFFFDc\uFFFDd");
        assertThat(ErrorText.clean("emoji \uD83D\uDE00 kept")).isEqualTo("emoji \uD83D\uDE00 kept");
        assertThat(ErrorText.clean(null)).isNull();
    }

    @Test
    void aTextOverTheMaximumIsCutWithAMarkerSayingHowMuchWasLeftOut() {
        String cut = ErrorText.clean("e".repeat(70 * 1024));

        assertThat(cut).hasSizeLessThanOrEqualTo(ErrorText.MAX_CHARS)
                .endsWith("... [cut by Chime: " + (70 * 1024 - (ErrorText.MAX_CHARS - 64)) + " more characters]");
        assertThat(cut).startsWith("e".repeat(ErrorText.MAX_CHARS - 64) + "...");
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String text = "x".repeat(ErrorText.MAX_CHARS - 65) + "\uD83D\uDE00".repeat(100);

        String cut = ErrorText.clean(text);

        assertThat(cut).doesNotContain("\uFFFD");
        assertThat(Character.isHighSurrogate(cut.charAt(cut.indexOf("... [cut") - 1))).isFalse();
    }

    @Test
    void aTextWithinTheMaximumIsKeptAsItIs() {
        String text = "java.lang.IllegalStateException: " + "y".repeat(ErrorText.MAX_CHARS - 40);
        assertThat(ErrorText.clean(text)).isSameAs(text);
    }
}
