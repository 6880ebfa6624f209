import Domain
import Foundation
import PQ
import Store

/// `muamala simulate`: the requests decided in a period, decided again in their order, at
/// their time, against the world as it stood, under a draft rulebook; and what changed.
///
/// The world is a `ScratchWorld` on a connection of its own: the daemons' tables are only
/// read, so the simulation blocks none of their work, and nothing it writes outlives it. Each
/// request goes through `BatchProcessor.redecide`, the engine's own loads, decision and
/// writes. With the rulebook in force, every decision comes out as it did: the proof that the
/// replay is faithful (a test, and the demo).
///
/// What the replay assumes:
/// - What was loaded or corrected outside the engine during the period is there from its
///   start (a population is loaded at the first decisions' business time, in the demo).
/// - A payment that was made is made in full: when the draft makes another amount due
///   (`fee.amount_mismatch`), it is paid again with that amount.
/// - Requests are those that were made: a refusal under the draft does not make anyone ask
///   for something else, and timers fire as they fired (a timer about a case the draft never
///   opened finds nothing to do, and is counted as a flip).
public struct Simulator: Sendable {
    public let draft: Rulebook

    public init(draft: Rulebook) {
        self.draft = draft
    }

    /// What the draft would have changed.
    public struct Report: Sendable, Encodable {
        public var from: Day
        public var to: Day
        /// Decisions replayed.
        public var replayed = 0
        /// Decisions that came out otherwise: by service, what it was, what it is, and the reason.
        public var flips: [Flip] = []
        /// Payments made (fees, levies, fines), in riyals: as decided, and under the draft.
        public var paidBefore = 0
        public var paidAfter = 0
        /// Payments made again with the amount the draft made due.
        public var repaid = 0
        /// Establishments whose band at the end of the period differs, by band before and after.
        public var bandChanges: [BandChange] = []
        /// Each of them, in the order of their numbers.
        public var establishments: [Establishment] = []
        /// The rows the replay started from, by table.
        public var startingRows: [String: Int] = [:]

        /// How many decisions flipped, and how many establishments' bands changed (the sums
        /// of the two lists, kept beside them for a reader of the JSON).
        public var flipped = 0
        public var bandsChanged = 0

        public struct Flip: Sendable, Encodable, Hashable {
            public let service: String
            public let was: String
            public let now: String
            /// The refusal's code: the new one when it is now refused, else the old one.
            public let reason: String
            public var count: Int
        }

        public struct BandChange: Sendable, Encodable {
            public let before: NitaqatBand
            public let after: NitaqatBand
            public let count: Int
        }

        /// One establishment whose band changes.
        public struct Establishment: Sendable, Encodable {
            public let id: String
            public let before: NitaqatBand
            public let after: NitaqatBand
        }

        enum CodingKeys: String, CodingKey {
            case from, to, replayed, flips, repaid, flipped
            case paidBefore = "paid_before", paidAfter = "paid_after", bandChanges = "band_changes", bandsChanged = "bands_changed"
            case startingRows = "starting_rows", establishments
        }
    }

    /// Replays `from…to` (whole days, Riyadh time) on `db`, a connection that has prepared
    /// nothing yet: it becomes the scratch world's (`ScratchWorld`). `original` is the
    /// rulebook the decisions were made under (for the bands before). `progress` is told
    /// how many of how many are done.
    public func run(from: Day, to: Day, original: Rulebook, progress: (Int, Int) -> Void = { _, _ in },
                    on db: isolated Connection) throws -> Report {
        let start = from.start, end = to.adding(days: 1).start
        if let begins = try ScratchWorld.recordBegins(on: db), start < begins {
            throw RecordNotThatOld(begins: Day(begins))
        }
        var report = Report(from: from, to: to)
        report.startingRows = try ScratchWorld.create(before: start, givenUntil: end, on: db)
        let total = try ScratchWorld.decidedCount(from: start, to: end, on: db)
        let processor = BatchProcessor(rulebook: draft, clock: EngineClock(mode: .simulated))
        var flips: [Flip: Int] = [:]
        var position = ScratchWorld.Position.start
        progress(0, total)
        while true {
            let page = try ScratchWorld.decided(from: start, to: end, after: position, limit: 2000, on: db)
            guard let last = page.last else { break }
            for past in page {
                var decision = try processor.redecide(past.request, at: past.decidedAt, on: db)
                var paid = Self.amount(past.request.payloadText)
                if past.completed, case .rejected(let reason) = decision.verdict, reason.code == Reason.Code.feeMismatch,
                   let due = reason.parameters["due"].flatMap(Int.init), let payload = Self.paying(due, past.request.payloadText) {
                    decision = try processor.redecide(past.request, payload: payload, at: past.decidedAt, on: db)
                    paid = due
                    report.repaid += 1
                }
                if past.completed { report.paidBefore += Self.amount(past.request.payloadText) }
                if case .completed = decision.verdict { report.paidAfter += paid }
                if let flip = Self.flip(past, decision) { flips[flip, default: 0] += 1 }
                report.replayed += 1
            }
            position = last.position
            progress(report.replayed, total)
        }
        report.flips = flips.map { Report.Flip(service: $0.key.service, was: $0.key.was, now: $0.key.now, reason: $0.key.reason, count: $0.value) }
            .sorted { ($0.count, $1.service, $1.reason) > ($1.count, $0.service, $0.reason) }
        (report.bandChanges, report.establishments) = try bandChanges(at: end, day: to, original: original, on: db)
        report.flipped = report.flips.reduce(0) { $0 + $1.count }
        report.bandsChanged = report.bandChanges.reduce(0) { $0 + $1.count }
        return report
    }

    /// A period that starts before the record of versions held the whole world (before
    /// migration 0025 recorded the rows already there): its world cannot be rebuilt.
    public struct RecordNotThatOld: Error, Sendable, CustomStringConvertible {
        public let begins: Day
        public var description: String {
            "the record of versions begins on \(begins): a period from an earlier day cannot be replayed"
        }
    }

    /// A flip's kind, without its count.
    struct Flip: Hashable {
        let service: String, was: String, now: String, reason: String
    }

    /// A decision that came out otherwise: another verdict, another refusal, or (completed
    /// both times) another outcome: other amounts, dates or states.
    static func flip(_ past: ScratchWorld.Decided, _ decision: Decision) -> Flip? {
        let service = past.request.service
        switch (past.completed, decision.verdict) {
        case (true, .completed(let summary)):
            guard JSONValue.object(summary) != past.outcome else { return nil }
            let changed = Set((past.outcome.objectValue ?? [:]).keys).union(summary.keys)
                .filter { past.outcome[$0] != summary[$0] }.sorted()
            return Flip(service: service, was: "completed", now: "completed", reason: "outcome: " + changed.joined(separator: ", "))
        case (true, .rejected(let reason)):
            return Flip(service: service, was: "completed", now: "rejected", reason: reason.code.rawValue)
        case (false, .completed):
            return Flip(service: service, was: "rejected", now: "completed", reason: past.reasonCode ?? "")
        case (false, .rejected(let reason)):
            guard reason.code.rawValue != past.reasonCode else { return nil }
            return Flip(service: service, was: "rejected", now: "rejected", reason: "\(past.reasonCode ?? "?") → \(reason.code.rawValue)")
        }
    }

    /// The bands at the end of the period: as recorded under `original`, and in the scratch
    /// world under the draft; counted by change, and each establishment.
    private func bandChanges(at end: Date, day: Day, original: Rulebook, on db: isolated Connection) throws
        -> ([Report.BandChange], [Report.Establishment]) {
        let before = Dictionary(try ScratchWorld.recordedEstablishments(before: end, on: db).map { ($0.id, $0) }) { first, _ in first }
        let rulesBefore = original.parameters(on: day).nitaqat, rulesAfter = draft.parameters(on: day).nitaqat
        var changes: [[NitaqatBand]: Int] = [:]
        var establishments: [Report.Establishment] = []
        for establishment in try ScratchWorld.establishments(on: db) {
            guard let recorded = before[establishment.id] else { continue }
            let was = Nitaqat.band(of: recorded, rules: rulesBefore), now = Nitaqat.band(of: establishment, rules: rulesAfter)
            guard was != now else { continue }
            changes[[was, now], default: 0] += 1
            establishments.append(Report.Establishment(id: establishment.id.description, before: was, after: now))
        }
        let counted = changes.map { Report.BandChange(before: $0.key[0], after: $0.key[1], count: $0.value) }
            .sorted { ($0.count, $1.before.rawValue) > ($1.count, $0.before.rawValue) }
        return (counted, establishments)
    }

    /// The `amount` a payment carries (0 for any other request).
    static func amount(_ payload: String) -> Int {
        (try? JSONCoding.decode(payload))?["amount"]?.intValue ?? 0
    }

    /// The payload with `amount` set to `due`; nil when it carries no amount.
    static func paying(_ due: Int, _ payload: String) -> String? {
        guard case .object(var object)? = try? JSONCoding.decode(payload), object["amount"] != nil else { return nil }
        object["amount"] = JSONValue(due)
        return JSONCoding.encode(JSONValue.object(object))
    }
}
