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
        #expect(MeasureCommand.perSecond([]).isEmpty)
    }
}
