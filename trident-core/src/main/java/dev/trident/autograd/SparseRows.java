package dev.trident.autograd;

/**
 * The rows of an embedding table that received a gradient since the last {@link #clear()}: a hashed n-gram table
 * holds thousands of rows and a batch touches a few hundred, so the optimizer updates only those (lazy Adam, as
 * PyTorch's SparseAdam: untouched rows keep their weights and moments).
 */
public final class SparseRows {
    private final int rows, width;
    private final boolean[] marked;
    private int[] list;
    private int count;

    public SparseRows(int rows, int width) {
        this.rows = rows;
        this.width = width;
        this.marked = new boolean[rows];
        this.list = new int[Math.min(rows, 1024)];
    }

    /** Records that row r has a gradient. */
    public void mark(int r) {
        if (marked[r]) return;
        marked[r] = true;
        if (count == list.length) list = java.util.Arrays.copyOf(list, Math.min(rows, 2 * list.length));
        list[count++] = r;
    }

    /** Rows marked so far. */
    public int count() { return count; }

    /** The i-th marked row (in first-marked order). */
    public int row(int i) { return list[i]; }

    public boolean isMarked(int r) { return marked[r]; }

    /** Floats per row. */
    public int width() { return width; }

    public int rows() { return rows; }

    /** Forgets every mark (after the optimizer step). */
    public void clear() {
        for (int i = 0; i < count; i++) marked[list[i]] = false;
        count = 0;
    }
}
