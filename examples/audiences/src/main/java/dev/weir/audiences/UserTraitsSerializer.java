package dev.weir.audiences;

import java.io.IOException;
import java.util.Map;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Explicit, versioned state format for UserTraits. Kryo would also work, but it is slower at
 * every checkpoint and ties savepoints to the class's field layout, which an upgrade may change.
 */
public final class UserTraitsSerializer extends TypeSerializerSingleton<UserTraits> {
    private static final long serialVersionUID = 1L;
    /** Written first in every record, so a later format can still read this one. */
    static final int FORMAT = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public UserTraits createInstance() {
        return new UserTraits();
    }

    @Override
    public UserTraits copy(UserTraits f) {
        UserTraits t = new UserTraits();
        t.count = f.count;
        t.fingerprint = f.fingerprint;
        t.maxSeq = f.maxSeq;
        t.firstTs = f.firstTs;
        t.lastTs = f.lastTs;
        t.late = f.late;
        t.snapshotCount = f.snapshotCount;
        t.snapshotAt = f.snapshotAt;
        t.totals.putAll(f.totals);
        for (Map.Entry<String, long[]> e : f.rings.entrySet()) t.rings.put(e.getKey(), e.getValue().clone());
        t.ringHeads.putAll(f.ringHeads);
        t.propValues.putAll(f.propValues);
        for (Map.Entry<String, long[]> e : f.propAt.entrySet()) t.propAt.put(e.getKey(), e.getValue().clone());
        t.audiences.addAll(f.audiences);
        return t;
    }

    @Override
    public UserTraits copy(UserTraits from, UserTraits reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(UserTraits t, DataOutputView out) throws IOException {
        out.writeInt(FORMAT);
        out.writeLong(t.count);
        out.writeLong(t.fingerprint);
        out.writeLong(t.maxSeq);
        out.writeLong(t.firstTs);
        out.writeLong(t.lastTs);
        out.writeLong(t.late);
        out.writeLong(t.snapshotCount);
        out.writeLong(t.snapshotAt);
        out.writeInt(t.totals.size());
        for (Map.Entry<String, Long> e : t.totals.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(e.getValue());
        }
        out.writeInt(t.rings.size());
        for (Map.Entry<String, long[]> e : t.rings.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeLong(t.ringHeads.get(e.getKey()));
            // Sparse: most days of most rings are zero, and the rings dominate the state size.
            long[] ring = e.getValue();
            int nonZero = 0;
            for (long v : ring) if (v != 0) nonZero++;
            out.writeByte(ring.length);
            out.writeByte(nonZero);
            for (int i = 0; i < ring.length; i++) {
                if (ring[i] == 0) continue;
                out.writeByte(i);
                out.writeLong(ring[i]);
            }
        }
        out.writeInt(t.propValues.size());
        for (Map.Entry<String, String> e : t.propValues.entrySet()) {
            long[] at = t.propAt.get(e.getKey());
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
            out.writeLong(at[0]);
            out.writeLong(at[1]);
        }
        out.writeInt(t.audiences.size());
        for (String a : t.audiences) out.writeUTF(a);
    }

    @Override
    public UserTraits deserialize(DataInputView in) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("user traits state has format " + format + ", this job reads format " + FORMAT
                    + ": restore with a job version that knows it");
        }
        UserTraits t = new UserTraits();
        t.count = in.readLong();
        t.fingerprint = in.readLong();
        t.maxSeq = in.readLong();
        t.firstTs = in.readLong();
        t.lastTs = in.readLong();
        t.late = in.readLong();
        t.snapshotCount = in.readLong();
        t.snapshotAt = in.readLong();
        for (int i = in.readInt(); i > 0; i--) t.totals.put(in.readUTF(), in.readLong());
        for (int i = in.readInt(); i > 0; i--) {
            String name = in.readUTF();
            t.ringHeads.put(name, in.readLong());
            long[] ring = new long[in.readUnsignedByte()];
            for (int j = in.readUnsignedByte(); j > 0; j--) {
                int slot = in.readUnsignedByte();
                if (slot >= ring.length) throw new IOException("corrupt user traits state: ring slot " + slot);
                ring[slot] = in.readLong();
            }
            t.rings.put(name, ring);
        }
        for (int i = in.readInt(); i > 0; i--) {
            String k = in.readUTF();
            t.propValues.put(k, in.readUTF());
            t.propAt.put(k, new long[] {in.readLong(), in.readLong()});
        }
        for (int i = in.readInt(); i > 0; i--) t.audiences.add(in.readUTF());
        return t;
    }

    @Override
    public UserTraits deserialize(UserTraits reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<UserTraits> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot written into checkpoints and savepoints. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UserTraits> {
        public Snapshot() {
            super(UserTraitsSerializer::new);
        }
    }
}
