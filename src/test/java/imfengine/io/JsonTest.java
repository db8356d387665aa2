package imfengine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTripsNestedValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"q\" \\ \n\t\u0001 é");
        m.put("i", 12345678901L);
        m.put("d", -1.5e-3);
        m.put("b", true);
        m.put("n", null);
        m.put("l", List.of(1L, List.of(), Map.of()));
        assertEquals(m, Json.parse(Json.write(m)));
    }

    @Test
    void parsesWhitespaceAndEscapes() {
        assertEquals(Map.of("k", List.of(1L, 2.5, "\u00e9/")), Json.parse(" { \"k\" : [ 1 , 2.5 , \"\\u00e9\\/\" ] } "));
    }

    @Test
    void rejectsMalformed() {
        for (String bad : new String[] {"", "{", "{\"a\":1,}", "[1 2]", "{\"a\":1}x", "{\"a\":1,\"a\":2}", "\"abc", "tru", "{a:1}"}) {
            assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
        }
    }
}
