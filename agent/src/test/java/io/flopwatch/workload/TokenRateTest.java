package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.telemetry.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenRateTest {
    private final FakeTicker ticker = new FakeTicker();

    private ThroughputObservation obs(TokenReading kind, double tokens) {
        return ThroughputObservation.of(ticker.nanoTime(), WorkloadPhase.DECODE, kind, tokens, ThroughputScope.NODE);
    }

    @Test
    void cumulativeCounterGivesIncreaseOverElapsedTime() {
        TokenRate rate = new TokenRate(Duration.ofSeconds(60));
        rate.record(obs(TokenReading.CUMULATIVE, 1_000));
        assertFalse(rate.tokensPerSecond(ticker.nanoTime()).isPresent(), "one total is only a baseline");
        ticker.advance(Duration.ofSeconds(10));
        rate.record(obs(TokenReading.CUMULATIVE, 6_000));
        // (6000 − 1000) tokens / 10 s
        assertEquals(500, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
        ticker.advance(Duration.ofSeconds(10));
        rate.record(obs(TokenReading.CUMULATIVE, 8_000));
        // (8000 − 1000) tokens / 20 s
        assertEquals(350, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
    }

    @Test
    void counterResetIsCountedAndNeverNegativeOrHuge() {
        TokenRate rate = new TokenRate(Duration.ofSeconds(30));
        rate.record(obs(TokenReading.CUMULATIVE, 9_000_000));
        ticker.advance(Duration.ofSeconds(10));
        rate.record(obs(TokenReading.CUMULATIVE, 9_010_000)); // 1000 tok/s
        ticker.advance(Duration.ofSeconds(10));
        rate.record(obs(TokenReading.CUMULATIVE, 200));       // server restarted
        assertEquals(1, rate.counterResets());
        assertEquals(1000, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9,
                "the restart adds nothing: only the 10 s before it are known");
        ticker.advance(Duration.ofSeconds(10));
        rate.record(obs(TokenReading.CUMULATIVE, 20_200));    // 2000 tok/s after restart
        // window (t=0..30]: increments 10 000 over (0,10] and 20 000 over (20,30]; span 30 s
        assertEquals(1000, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
        ticker.advance(Duration.ofSeconds(15));
        // window (15, 45]: only the post-restart increment remains
        assertEquals(2000, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
    }

    @Test
    void deltasNeedAStartAndSumOverTheirSpan() {
        TokenRate rate = new TokenRate(Duration.ofSeconds(60));
        rate.record(obs(TokenReading.DELTA, 4096));   // interval unknown: starts the clock only
        ticker.advance(Duration.ofSeconds(2));
        rate.record(obs(TokenReading.DELTA, 4096));
        ticker.advance(Duration.ofSeconds(6));
        rate.record(obs(TokenReading.DELTA, 8192));
        // (4096 + 8192) tokens over 8 s
        assertEquals(1536, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
    }

    @Test
    void ratesAreAveragedAndExpireWithTheWindow() {
        TokenRate rate = new TokenRate(Duration.ofSeconds(20));
        rate.record(obs(TokenReading.RATE, 100));
        ticker.advance(Duration.ofSeconds(10));
        rate.record(obs(TokenReading.RATE, 300));
        assertEquals(200, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
        ticker.advance(Duration.ofSeconds(15)); // first reading (t=0) left the window (5, 25]
        assertEquals(300, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
        ticker.advance(Duration.ofSeconds(30));
        assertTrue(rate.tokensPerSecond(ticker.nanoTime()).isEmpty(), "stale: unknown, not zero");
    }

    @Test
    void countsWinOverRatesAndOutOfOrderIsIgnored() {
        TokenRate rate = new TokenRate(Duration.ofSeconds(60));
        long t0 = ticker.nanoTime();
        rate.record(obs(TokenReading.RATE, 999));
        rate.record(obs(TokenReading.CUMULATIVE, 0));
        ticker.advance(Duration.ofSeconds(4));
        rate.record(obs(TokenReading.CUMULATIVE, 400));
        rate.record(ThroughputObservation.of(t0, WorkloadPhase.DECODE, TokenReading.CUMULATIVE, 5,
                ThroughputScope.NODE));
        assertEquals(1, rate.outOfOrder());
        assertEquals(100, rate.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
    }
}
