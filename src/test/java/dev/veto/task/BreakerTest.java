package dev.veto.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veto.task.Breaker.State;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The breaker's transition table: the legal moves and nothing else. */
class BreakerTest {

  @ParameterizedTest(name = "{0} -> {1}: {2}")
  @CsvSource({
      "CLOSED, OPEN, true", "CLOSED, HALF_OPEN, false", "CLOSED, CLOSED, false",
      "OPEN, HALF_OPEN, true", "OPEN, CLOSED, false", "OPEN, OPEN, false",
      "HALF_OPEN, CLOSED, true", "HALF_OPEN, OPEN, true", "HALF_OPEN, HALF_OPEN, false"})
  void shouldAllowOnlyTheModelsTransitions(State from, State to, boolean legal) {
    Breaker breaker = at(from);

    if (legal) {
      breaker.moveTo(to, 5);
      assertThat(breaker.state()).isEqualTo(to);
    } else {
      assertThatThrownBy(() -> breaker.moveTo(to, 5)).isInstanceOf(IllegalStateException.class);
      assertThat(breaker.state()).isEqualTo(from);
    }
  }

  @ParameterizedTest
  @CsvSource({"CLOSED", "OPEN", "HALF_OPEN"})
  void shouldCloseOnResetFromAnyState(State from) {
    Breaker breaker = at(from);
    breaker.outcome(true);

    breaker.reset();

    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.consecutiveFailures()).isZero();
  }

  @ParameterizedTest
  @CsvSource({"true, 3", "false, 0"})
  void shouldCountOnlyConsecutiveFailures(boolean lastFailed, int expected) {
    Breaker breaker = new Breaker();
    breaker.outcome(true);
    breaker.outcome(false);
    breaker.outcome(true);
    breaker.outcome(true);

    breaker.outcome(lastFailed);

    assertThat(breaker.consecutiveFailures()).isEqualTo(expected);
  }

  private static Breaker at(State state) {
    Breaker breaker = new Breaker();
    if (state != State.CLOSED) {
      breaker.moveTo(State.OPEN, 1);
    }
    if (state == State.HALF_OPEN) {
      breaker.moveTo(State.HALF_OPEN, 2);
    }
    return breaker;
  }
}
