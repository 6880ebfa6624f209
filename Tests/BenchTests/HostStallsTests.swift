@testable import muamala_bench
import Testing

/// The rule that marks a phase's seconds as the host's (steal or disk wait), printed beside
/// each second's p99 and counted against the seconds above 50 ms.
@Suite("Bench: the host's seconds")
struct HostStallsTests {
    typealias Sample = HostStalls.Sample

    @Test("the sampler's lines: three numbers each; a line cut short or malformed is left out")
    func parsing() {
        let text = "100.250 0.000 0.120\n100.500 0.04 0\n100.750 0.1\nabc 1 2\n101.000 0 0 7\n\n101.250 0.5 0.25"
        #expect(HostStalls.parse(text) == [
            Sample(time: 100.25, steal: 0, iowait: 0.12), Sample(time: 100.5, steal: 0.04, iowait: 0),
            Sample(time: 101.25, steal: 0.5, iowait: 0.25),
        ])
        #expect(HostStalls.parse("").isEmpty)
    }

    @Test("second i holds the readings in (start + i, start + i + 1], their mean to a hundredth; none reads 0")
    func seconds() {
        let samples = [
            Sample(time: 10.0, steal: 9, iowait: 9),  // at the start itself: before second 0
            Sample(time: 10.25, steal: 0.1, iowait: 0), Sample(time: 11.0, steal: 0.2, iowait: 0.333),  // second 0
            Sample(time: 11.01, steal: 0, iowait: 1),  // second 1
            // second 2: no readings
            Sample(time: 13.5, steal: 0.06, iowait: 0.06), Sample(time: 13.75, steal: 0.1, iowait: 0.1),  // second 3
            Sample(time: 14.5, steal: 5, iowait: 5),  // after the last second asked for
        ]
        let (steal, iowait) = HostStalls.perSecond(samples, start: 10, seconds: 4)
        #expect(steal == [0.15, 0, 0, 0.08])
        #expect(iowait == [0.17, 1, 0, 0.08])
        #expect(HostStalls.perSecond(samples, start: 10, seconds: 0).steal.isEmpty)
    }

    @Test("a second is the host's at a tenth of a core of steal or of disk wait, not below")
    func marks() {
        #expect(HostStalls.marked(steal: [0.1, 0.09, 0, 0.09, 2], iowait: [0, 0.09, 0.1, 0, 0]) == [0, 2, 4])
        #expect(HostStalls.marked(steal: [], iowait: []).isEmpty)
    }

    @Test("a second above 50 ms counts when it is marked or follows a marked second")
    func near() {
        // Marked: 3 and 10. Above 50 ms: 2 (before a mark), 3, 4 (just after), 5 (two after), 10, 30.
        #expect(HostStalls.nearMarked(over: [2, 3, 4, 5, 10, 30], marked: [3, 10]) == 3)
        #expect(HostStalls.nearMarked(over: [], marked: [1]) == 0)
        #expect(HostStalls.nearMarked(over: [0, 1], marked: []) == 0)
    }

    @Test("the summary the bench reads: per-second figures, marks, and the count near them")
    func summary() {
        let samples = [Sample(time: 0.5, steal: 0, iowait: 0), Sample(time: 1.5, steal: 0.3, iowait: 0), Sample(time: 2.5, steal: 0, iowait: 0)]
        let figures = HostStalls.summary(samples, start: 0, seconds: 3, over50ms: [1, 2])
        #expect(figures["steal"] as? [Double] == [0, 0.3, 0])
        #expect(figures["iowait"] as? [Double] == [0, 0, 0])
        #expect(figures["host_seconds"] as? [Int] == [1])
        #expect(figures["over_50ms_near_host"] as? Int == 2)
    }

    @Test("/proc/stat's cpu line: eight fields of ticks, guest time not counted twice")
    func procStat() throws {
        let earlier = try #require(CPUTicks(procStatLine: "cpu  1000 0 500 8000 100 0 0 400 50 0"))
        #expect(earlier == CPUTicks(procStatLine: "cpu 1000 0 500 8000 100 0 0 400"))
        #expect(earlier.total == 10000 && earlier.iowait == 100 && earlier.steal == 400)
        // 400 ticks later across 2 cores: 40 stolen, 20 waiting on the disk.
        let later = try #require(CPUTicks(procStatLine: "cpu  1200 0 600 8040 120 0 0 440 60 0"))
        let (steal, iowait) = later.cores(since: earlier, of: 2)
        #expect(steal == 0.2 && iowait == 0.1)
        #expect(CPUTicks(procStatLine: "cpu0 1000 0 500 8000 100 0 0 400") == nil)
        #expect(CPUTicks(procStatLine: "cpu  1000 0 500 8000 100") == nil)
        #expect(CPUTicks(procStatLine: "cpu  1000 0 x 8000 100 0 0 400") == nil)
    }
}
