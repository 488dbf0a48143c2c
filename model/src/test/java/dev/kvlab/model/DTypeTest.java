package dev.kvlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DTypeTest {

    @Test
    void halfPrecisionDecodesNormalsSubnormalsAndSpecials() {
        assertEquals(1.0f, DType.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, DType.halfToFloat((short) 0xC000));
        assertEquals(65504.0f, DType.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, DType.halfToFloat((short) 0x0001));
        assertEquals(0x1p-14f, DType.halfToFloat((short) 0x0400));
        assertEquals(0.333251953125f, DType.halfToFloat((short) 0x3555));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(DType.halfToFloat((short) 0x8000)));
        assertEquals(Float.POSITIVE_INFINITY, DType.halfToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(DType.halfToFloat((short) 0x7E00)));
    }

    @Test
    void toFloatsReadsLittleEndianForEachDtype() {
        ByteBuffer f16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3C00)
                .putShort((short) 0xC000).flip();
        assertArrayEquals(new float[] {1f, -2f}, DType.F16.toFloats(f16));
        ByteBuffer bf16 = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3FC0).flip();
        assertArrayEquals(new float[] {1.5f}, DType.BF16.toFloats(bf16));
        ByteBuffer f32 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(-3.25f).flip();
        assertArrayEquals(new float[] {-3.25f}, DType.F32.toFloats(f32));
        assertThrows(IllegalArgumentException.class, () -> DType.F32.toFloats(ByteBuffer.allocate(6)));
    }

    @Test
    void parseKnowsOnlyTheSupportedSafetensorsNames() {
        assertEquals(Optional.of(DType.BF16), DType.parse("BF16"));
        assertEquals(Optional.empty(), DType.parse("F64"));
        assertEquals(Optional.empty(), DType.parse("f32"));
    }

    @Test
    void tensorInfoCopiesShapeAndComparesByValue() {
        long[] shape = {2, 3};
        TensorInfo t = new TensorInfo("x", DType.F16, shape);
        shape[0] = 99;
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals(new TensorInfo("x", DType.F16, new long[] {2, 3}), t);
        assertEquals(12, t.byteSize());
        assertEquals(1, new TensorInfo("s", DType.F32, new long[] {}).numel());
        assertThrows(IllegalArgumentException.class, () -> new TensorInfo("n", DType.F32, new long[] {-1}));
        assertThrows(ArithmeticException.class, () -> new TensorInfo("o", DType.F32, new long[] {1L << 62, 4}));
    }
}
