import ArgumentParser
import Foundation

/// The host's share of a load's seconds: the cores the hypervisor stole from this machine and
/// the cores idle waiting on the disk. On this kind of machine most of a phase's bad seconds
/// line up with one or the other (BENCHMARKS.md, "What the bad seconds are"), so the bench
/// marks each second where either reached a tenth of a core, and counts how many of the
/// seconds above 50 ms had a mark there or in the second before (a stall's backlog spills
/// into the next second).
enum HostStalls {
    /// A second is marked when its mean steal or its mean disk wait reaches this many cores.
    static let markAt = 0.1

    /// One reading of the sampler: when, and the cores stolen and waiting on the disk since
    /// the reading before.
    struct Sample: Equatable {
        let time: Double
        let steal: Double
        let iowait: Double
    }

    /// The sampler's file: one "time steal iowait" line a reading. A line that is not three
    /// numbers (the last one, cut short when the sampler was stopped) is left out.
    static func parse(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            let fields = words.compactMap { Double($0) }
            guard words.count == 3, fields.count == 3 else { return nil }
            return Sample(time: fields[0], steal: fields[1], iowait: fields[2])
        }
    }

    /// Second `i` of a schedule that began at `start` holds the readings taken in
    /// (start + i, start + i + 1]; its figure is their mean, to a hundredth of a core (0 for a
    /// second without readings).
    static func perSecond(_ samples: [Sample], start: Double, seconds: Int) -> (steal: [Double], iowait: [Double]) {
        var steal: [Double] = [], iowait: [Double] = []
        for second in 0..<max(seconds, 0) {
            let inside = samples.filter { start + Double(second) < $0.time && $0.time <= start + Double(second + 1) }
            steal.append(hundredths(mean(inside.map(\.steal))))
            iowait.append(hundredths(mean(inside.map(\.iowait))))
        }
        return (steal, iowait)
    }

    /// The seconds marked as the host's: steal or disk wait at `markAt` or more.
    static func marked(steal: [Double], iowait: [Double]) -> [Int] {
        steal.indices.filter { steal[$0] >= markAt || (iowait.indices.contains($0) && iowait[$0] >= markAt) }
    }

    /// How many of the seconds above 50 ms were marked, or followed a marked second.
    static func nearMarked(over: [Int], marked: [Int]) -> Int {
        let marks = Set(marked)
        return over.filter { marks.contains($0) || marks.contains($0 - 1) }.count
    }

    /// The JSON the bench reads (`host` in `measure`'s output): each second's steal and disk
    /// wait, the marked seconds, and how many seconds above 50 ms were at or just after one.
    static func summary(_ samples: [Sample], start: Double, seconds: Int, over50ms: [Int]) -> [String: Any] {
        let (steal, iowait) = perSecond(samples, start: start, seconds: seconds)
        let marks = marked(steal: steal, iowait: iowait)
        return ["steal": steal, "iowait": iowait, "host_seconds": marks, "over_50ms_near_host": nearMarked(over: over50ms, marked: marks)]
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    private static func hundredths(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

/// The busy, idle, disk-wait and stolen ticks of all cores, from the first line of /proc/stat.
struct CPUTicks: Equatable {
    let total: Int
    let iowait: Int
    let steal: Int

    /// "cpu  user nice system idle iowait irq softirq steal [guest guest_nice]": the guest
    /// fields are already inside user and nice, so they are not added to the total twice.
    init?(procStatLine line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.first == "cpu", fields.count >= 9 else { return nil }
        let ticks = fields.dropFirst().prefix(8).compactMap { Int($0) }
        guard ticks.count == 8 else { return nil }
        total = ticks.reduce(0, +)
        iowait = ticks[4]
        steal = ticks[7]
    }

    /// Cores stolen and cores waiting on the disk between `earlier` and this reading: each
    /// one's share of all cores' ticks, times the number of cores.
    func cores(since earlier: CPUTicks, of cores: Int) -> (steal: Double, iowait: Double) {
        let elapsed = Double(max(total - earlier.total, 1))
        return (Double(cores) * Double(steal - earlier.steal) / elapsed, Double(cores) * Double(iowait - earlier.iowait) / elapsed)
    }
}

/// `muamala-bench sample-host`: the sampler behind `HostStalls`, run by the bench for the
/// length of its HTTP phase. Writes "time steal iowait" every --interval seconds until stopped.
struct SampleHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-host",
        abstract: "Write the cores stolen and waiting on the disk, a line a reading, until stopped.")

    @Option(help: "The file to write (replaced).") var output: String
    @Option(help: "Seconds between readings.") var interval = 0.25

    func validate() throws {
        guard interval >= 0.01, interval <= 10 else { throw ValidationError("--interval must be 0.01…10 seconds") }
    }

    func run() throws {
        guard FileManager.default.createFile(atPath: output, contents: nil), let file = FileHandle(forWritingAtPath: output) else {
            throw ValidationError("cannot write \(output)")
        }
        let text = try String(contentsOfFile: "/proc/stat", encoding: .utf8)
        let cores = text.split(separator: "\n").filter { $0.hasPrefix("cpu") && $0.dropFirst(3).first?.isNumber == true }.count
        var before = try Self.read()
        while true {
            Thread.sleep(forTimeInterval: interval)
            let now = try Self.read()
            let (steal, iowait) = now.cores(since: before, of: max(cores, 1))
            // A line at a time, written through: the bench stops this with a signal.
            file.write(Data(String(format: "%.3f %.3f %.3f\n", Date().timeIntervalSince1970, steal, iowait).utf8))
            before = now
        }
    }

    private static func read() throws -> CPUTicks {
        let text = try String(contentsOfFile: "/proc/stat", encoding: .utf8)
        guard let line = text.split(separator: "\n").first, let ticks = CPUTicks(procStatLine: line) else {
            throw ValidationError("/proc/stat has no cpu line this can read")
        }
        return ticks
    }
}
