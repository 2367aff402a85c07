package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pairs KeyValues finds, one row per form the training loops print (HfTrainerParser, LightningParser). */
class KeyValuesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // Python str(dict), as HF Trainer prints its logs
            "{'loss': 2.3141, 'learning_rate': 3e-05, 'epoch': 0.12} | {loss=2.3141, learning_rate=3.0E-5, epoch=0.12}",
            // JSON
            "{\"train_runtime\": 120.5, \"train_samples_per_second\": 85.1} | {train_runtime=120.5, train_samples_per_second=85.1}",
            // progress-bar postfix, keys with / and . (Lightning's device/mfu), thousands separators
            "Epoch 0: 12% 120/1000 [01:00<07:20, v_num=3, train/loss=2.31, device/mfu=0.412, tok=12,345] | {v_num=3.0, train/loss=2.31, device/mfu=0.412, tok=12345.0}",
            // a key that continues a longer word is not a key; a number running into a word is not a number
            "xloss=1 lr=2abc step=5 | {xloss=1.0, step=5.0}",
            // quoted key without a colon, a string value, a key with nothing after =
            "'loss' 2.0 'name': 'run' k= | {}",
    })
    void findsThePairsOfEachForm(String line, String expected) {
        Map<String, Double> got = new java.util.TreeMap<>(KeyValues.parse(line));
        Map<String, Double> want = new java.util.TreeMap<>();
        String body = expected.substring(1, expected.length() - 1).trim();
        if (!body.isEmpty()) {
            for (String kv : body.split(", ")) {
                int eq = kv.lastIndexOf('=');
                want.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
            }
        }
        assertEquals(want, got);
    }
}
