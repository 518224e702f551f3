package io.headroom.drivers.gpio;

import java.time.Duration;
import java.util.PriorityQueue;

/** Virtual time for tests: tasks run only inside {@link #advance(Duration)}, at their due time. */
final class ManualClock implements GpioClock {

    private final class Task implements Comparable<Task>, Cancellable {
        final long seq = nextSeq++;
        long due;
        final long period;
        final Runnable body;
        boolean cancelled;

        Task(long due, long period, Runnable body) {
            this.due = due;
            this.period = period;
            this.body = body;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public void cancel() {
            synchronized (ManualClock.this) {
                cancelled = true;
                queue.remove(this);
            }
        }
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now = 1_000_000_000L;
    private long nextSeq;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        Task t = new Task(now + delay.toNanos(), 0, task);
        queue.add(t);
        return t;
    }

    @Override
    public synchronized Cancellable scheduleAtFixedRate(Duration period, Runnable task) {
        Task t = new Task(now + period.toNanos(), period.toNanos(), task);
        queue.add(t);
        return t;
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way, in order. */
    void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        while (true) {
            Task t;
            synchronized (this) {
                t = queue.peek();
                if (t == null || t.due > target) {
                    now = target;
                    return;
                }
                queue.poll();
                now = t.due;
            }
            t.body.run();
            synchronized (this) {
                if (t.period > 0 && !t.cancelled) {
                    t.due += t.period;
                    queue.add(t);
                }
            }
        }
    }

    synchronized int pending() {
        return queue.size();
    }
}
