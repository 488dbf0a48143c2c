package dev.kvlab.model.natives;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a minimal x86-64 ELF shared object with just a dynamic section: the given {@code DT_NEEDED} entries and an
 * optional {@code DT_RUNPATH}. Enough for {@code readelf -d} and {@link ElfDynamic}; not loadable.
 * Layout: ELF header, two program headers (PT_LOAD over the whole file, PT_DYNAMIC), string table at 0x100,
 * dynamic section at 0x400.
 */
final class ElfWriter {
    private ElfWriter() {
    }

    static Path write(Path file, String runpath, String... needed) throws IOException {
        ByteBuffer strtab = ByteBuffer.allocate(0x300);
        strtab.put((byte) 0);
        List<long[]> dyn = new ArrayList<>();   // {tag, value}
        for (String n : needed) {
            dyn.add(new long[] {1, strtab.position()});
            strtab.put(n.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        }
        if (runpath != null) {
            dyn.add(new long[] {29, strtab.position()});
            strtab.put(runpath.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        }
        dyn.add(new long[] {5, 0x100});   // DT_STRTAB (a virtual address; the PT_LOAD maps vaddr == offset)
        dyn.add(new long[] {10, strtab.position()});   // DT_STRSZ
        dyn.add(new long[] {0, 0});
        int size = 0x400 + dyn.size() * 16;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) 3);       // ET_DYN
        b.putShort(18, (short) 62);      // EM_X86_64
        b.putInt(20, 1);                 // EV_CURRENT
        b.putLong(32, 64);               // e_phoff
        b.putShort(52, (short) 64);      // e_ehsize
        b.putShort(54, (short) 56);      // e_phentsize
        b.putShort(56, (short) 2);       // e_phnum
        programHeader(b, 64, 1, 0, size);
        programHeader(b, 64 + 56, 2, 0x400, dyn.size() * 16L);
        b.put(0x100, strtab.array(), 0, strtab.position());
        for (int i = 0; i < dyn.size(); i++) {
            b.putLong(0x400 + i * 16, dyn.get(i)[0]);
            b.putLong(0x400 + i * 16 + 8, dyn.get(i)[1]);
        }
        Files.createDirectories(file.getParent());
        return Files.write(file, b.array());
    }

    private static void programHeader(ByteBuffer b, int at, int type, long offset, long size) {
        b.putInt(at, type);
        b.putInt(at + 4, 4);             // PF_R
        b.putLong(at + 8, offset);
        b.putLong(at + 16, offset);      // vaddr
        b.putLong(at + 24, offset);      // paddr
        b.putLong(at + 32, size);
        b.putLong(at + 40, size);
        b.putLong(at + 48, 8);
    }
}
