package dev.ferry.bench.report;

import java.util.List;

/**
 * One change measured on its own: the same scenario run on the commit before it and the commit
 * after it, alternately, {@code repeat} times each ({@code scripts/bench-lever.sh}).
 *
 * @param name     short name, the directory under {@code bench/results/levers/}
 * @param what     what the change does, in a sentence or two
 * @param scenario the benchmark's arguments, scenario first
 * @param before   the runs on {@code beforeCommit}, in the order they ran
 * @param after    the runs on {@code afterCommit}, in the order they ran
 */
public record Lever(
        String name,
        String what,
        String beforeCommit,
        String afterCommit,
        int repeat,
        List<String> scenario,
        List<BenchResult> before,
        List<BenchResult> after) {
    public Lever {
        scenario = List.copyOf(scenario);
        before = List.copyOf(before);
        after = List.copyOf(after);
    }
}
