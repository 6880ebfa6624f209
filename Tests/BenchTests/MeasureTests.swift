@testable import muamala_bench
import Testing

/// The per-second summary the bench prints beside a run's p99.
@Suite("Bench: each second's p99")
struct MeasureTests {
    @Test("median second, worst second, seconds above 50 ms; nothing for no seconds")
    func summary() {
        let figures = MeasureCommand.perSecond([12.5, 61, 20, 50, 50.1])
        #expect(figures["per_second_p99_ms"] as? [Double] == [12.5, 61, 20, 50, 50.1])
        #expect(figures["per_second_p99_median_ms"] as? Double == 50)
        #expect(figures["per_second_p99_worst_ms"] as? Double == 61)
        #expect(figures["seconds_over_50ms"] as? Int == 2)
        #expect(figures["seconds_over_50ms_at"] as? [Int] == [1, 4])
        #expect(MeasureCommand.perSecond([]).isEmpty)
    }
}

@Suite("Bench: the client's response times")
struct ResponsePercentileTests {
    @Test("nearest rank, in milliseconds to a tenth; zeros for no responses")
    func nearestRank() {
        // 0.001 s … 0.100 s: the 50th, 95th and 99th of a hundred.
        let seconds = (1...100).reversed().map { Double($0) / 1000 }
        #expect(HTTPLoadCommand.percentiles(seconds) == ["p50": 50, "p95": 95, "p99": 99])
        #expect(HTTPLoadCommand.percentiles([0.01234]) == ["p50": 12.3, "p95": 12.3, "p99": 12.3])
        #expect(HTTPLoadCommand.percentiles([]) == ["p50": 0, "p95": 0, "p99": 0])
    }
}
