package dev.veto.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VerdictTest {

  @Test
  void shouldPickTheMostRestrictiveWhateverTheOrder() {
    for (Verdict a : Verdict.values()) {
      for (Verdict b : Verdict.values()) {
        Verdict expected = a.ordinal() >= b.ordinal() ? a : b;

        assertThat(Verdict.mostRestrictive(a, b)).isEqualTo(expected);
        assertThat(Verdict.mostRestrictive(b, a)).isEqualTo(expected);
      }
    }
  }

  @Test
  void shouldUseSnakeCaseOnTheWire() {
    assertThat(Verdict.REQUIRE_APPROVAL.wire()).isEqualTo("require_approval");
    assertThat(Verdict.ALLOW.wire()).isEqualTo("allow");
    assertThat(Verdict.REFUSE.wire()).isEqualTo("refuse");
  }
}
