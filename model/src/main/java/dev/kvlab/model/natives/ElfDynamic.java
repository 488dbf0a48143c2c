package dev.kvlab.model.natives;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dynamic-linking facts of one shared library, read from its ELF file the way {@code readelf -d} shows them:
 * the sonames it needs ({@code DT_NEEDED}, in file order) and where it asks the loader to look
 * ({@code DT_RUNPATH}, or the older {@code DT_RPATH}; colon-separated, {@code $ORIGIN} not yet expanded).
 * Only 64-bit little-endian x86-64 files are read: anything else is "not for this machine" (empty).
 */
public record ElfDynamic(List<String> needed, String runpath, String rpath) {
    private static final int PT_LOAD = 1;
    private static final int PT_DYNAMIC = 2;
    private static final long DT_NEEDED = 1;
    private static final long DT_STRTAB = 5;
    private static final long DT_RPATH = 15;
    private static final long DT_RUNPATH = 29;
    private static final int EM_X86_64 = 62;

    public ElfDynamic {
        needed = List.copyOf(needed);
    }

    /** The library's dynamic section, or empty when the file is not an x86-64 ELF object (or has no such section). */
    public static Optional<ElfDynamic> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = at(ch, 0, 64);
            if (h.remaining() < 64 || h.getInt(0) != 0x464c457f || h.get(4) != 2 || h.get(5) != 1
                    || h.getShort(18) != EM_X86_64) {
                return Optional.empty();
            }
            long phoff = h.getLong(32);
            int phentsize = Short.toUnsignedInt(h.getShort(54));
            int phnum = Short.toUnsignedInt(h.getShort(56));
            ByteBuffer ph = at(ch, phoff, phentsize * phnum);
            List<long[]> loads = new ArrayList<>();   // {vaddr, offset, filesz}
            long dynOff = -1;
            long dynSize = 0;
            for (int i = 0; i + 1 <= phnum && (i + 1) * phentsize <= ph.limit(); i++) {
                int b = i * phentsize;
                int type = ph.getInt(b);
                if (type == PT_LOAD) {
                    loads.add(new long[] {ph.getLong(b + 16), ph.getLong(b + 8), ph.getLong(b + 32)});
                } else if (type == PT_DYNAMIC) {
                    dynOff = ph.getLong(b + 8);
                    dynSize = ph.getLong(b + 32);
                }
            }
            if (dynOff < 0) {
                return Optional.empty();
            }
            return Optional.of(parseDynamic(ch, at(ch, dynOff, (int) Math.min(dynSize, 1 << 20)), loads));
        }
    }

    private static ElfDynamic parseDynamic(FileChannel ch, ByteBuffer dyn, List<long[]> loads) throws IOException {
        List<Long> neededAt = new ArrayList<>();
        long strtab = -1;
        long runpathAt = -1;
        long rpathAt = -1;
        for (int b = 0; b + 16 <= dyn.limit(); b += 16) {
            long tag = dyn.getLong(b);
            long val = dyn.getLong(b + 8);
            if (tag == 0) {
                break;
            } else if (tag == DT_NEEDED) {
                neededAt.add(val);
            } else if (tag == DT_STRTAB) {
                strtab = val;
            } else if (tag == DT_RUNPATH) {
                runpathAt = val;
            } else if (tag == DT_RPATH) {
                rpathAt = val;
            }
        }
        long strOff = fileOffset(strtab, loads);
        if (strOff < 0) {
            throw new IOException("DT_STRTAB outside every loaded segment");
        }
        List<String> needed = new ArrayList<>();
        for (long at : neededAt) {
            needed.add(string(ch, strOff + at));
        }
        return new ElfDynamic(needed, runpathAt < 0 ? "" : string(ch, strOff + runpathAt),
                rpathAt < 0 ? "" : string(ch, strOff + rpathAt));
    }

    /** The file offset of virtual address {@code vaddr}, through the PT_LOAD segment that maps it; -1 if none. */
    private static long fileOffset(long vaddr, List<long[]> loads) {
        for (long[] l : loads) {
            if (vaddr >= l[0] && vaddr < l[0] + l[2]) {
                return vaddr - l[0] + l[1];
            }
        }
        return -1;
    }

    private static String string(FileChannel ch, long offset) throws IOException {
        ByteBuffer b = at(ch, offset, 4096);
        int n = 0;
        while (n < b.limit() && b.get(n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static ByteBuffer at(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
            // read until full or end of file
        }
        return b.flip();
    }
}
