package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Write-through's record of a session: what is deleted at close, and that a takeover is final. */
class SavedCopyTest {

    @Test
    void aSaveGoesAtCloseOnlyWhenTheClientEndedTheSession() {
        assertThat(SavedCopy.NONE.saved()).isEqualTo(SavedCopy.SAVED);
        assertThat(SavedCopy.SAVED.deletedAtClose())
                .as("a dropped connection keeps it")
                .isFalse();
        assertThat(SavedCopy.SAVED.endedByClient()).isEqualTo(SavedCopy.SAVED_ENDED);
        assertThat(SavedCopy.SAVED_ENDED.deletedAtClose()).isTrue();
    }

    @Test
    void aSaveThatLandsAfterTheClientEndedTheSessionGoesAtCloseToo() {
        assertThat(SavedCopy.NONE.endedByClient()).isEqualTo(SavedCopy.NONE_ENDED);
        assertThat(SavedCopy.NONE_ENDED.deletedAtClose())
                .as("nothing saved yet")
                .isFalse();
        assertThat(SavedCopy.NONE_ENDED.saved()).isEqualTo(SavedCopy.SAVED_ENDED);
    }

    @Test
    void aTakenOverRecordIsNeverSavedOrDeletedAgain() {
        assertThat(SavedCopy.TAKEN_OVER.saved()).isEqualTo(SavedCopy.TAKEN_OVER);
        assertThat(SavedCopy.TAKEN_OVER.endedByClient()).isEqualTo(SavedCopy.TAKEN_OVER);
        assertThat(SavedCopy.TAKEN_OVER.deletedAtClose()).isFalse();
    }
}
