package dev.ferry.admin.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/** Writes 60.0 as 60, so a whole number of seconds reads as one; 0.5 stays 0.5. */
final class WholeOrDecimal extends StdSerializer<Double> {
    private static final long serialVersionUID = 1L;

    WholeOrDecimal() {
        super(Double.class);
    }

    @Override
    public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
        double v = value;
        if (v == Math.rint(v) && Math.abs(v) < 1e15) out.writeNumber((long) v);
        else out.writeNumber(v);
    }
}
