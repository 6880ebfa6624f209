import Foundation
import PQ

/// The one clock in the database (see `Schema/0001`): the system clock in production, or a
/// simulated time that staff move forward for demos, replays and tests.
public enum ClockStore {
    public enum Mode: String, Sendable, Codable {
        case system, simulated
    }

    public struct Reading: Sendable, Codable {
        public let mode: Mode
        /// The simulated time (nil in system mode).
        public let simulatedNow: Date?
        public let updatedAt: Date
        public let updatedBy: String?

        enum CodingKeys: String, CodingKey {
            case mode, simulatedNow = "simulated_now", updatedAt = "updated_at", updatedBy = "updated_by"
        }
    }

    public static func read(on db: isolated Connection) throws -> Reading {
        let row = try db.query(readStatement).single()
        let modeText = try row.decode(String.self, "mode")
        guard let mode = Mode(rawValue: modeText) else {
            throw PQError(.decoding, "unknown clock mode \(modeText)", column: "mode")
        }
        return Reading(
            mode: mode, simulatedNow: try row.decode(Date?.self, "simulated_now"),
            updatedAt: try row.decode(Date.self, "updated_at"), updatedBy: try row.decode(String?.self, "updated_by"))
    }

    /// The simulated time, read inside the caller's transaction.
    public static func simulatedNow(on db: isolated Connection) throws -> Date? {
        try db.query(simulatedNowStatement).single().decode(Date?.self, at: 0)
    }

    /// Why the clock was not moved.
    public enum Refusal: Error, Sendable, Equatable {
        case notSimulated
        case backwards(now: Date)
        /// Past the last moment the clock may show.
        case beyondRange(limit: Date)
    }

    /// The last moment simulated time may reach: the end of year 9999, where ISO dates,
    /// Hijri months and PostgreSQL's timestamps all still hold.
    public static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// Switches the database to simulated time, starting at `start`.
    public static func simulate(from start: Date, by actor: String, on db: isolated Connection) throws {
        try db.query(simulateStatement, [start, actor])
        try db.query(notifyStatement)
    }

    /// Switches the database back to the system clock.
    public static func useSystemClock(by actor: String, on db: isolated Connection) throws {
        try db.query(systemStatement, [actor])
    }

    /// Moves simulated time to `time` (never backwards) and wakes the daemons, whose timers
    /// fall due as the time passes them.
    public static func set(_ time: Date, by actor: String, on db: isolated Connection) throws -> Result<Date, Refusal> {
        let reading = try read(on: db)
        guard reading.mode == .simulated, let now = reading.simulatedNow else { return .failure(.notSimulated) }
        guard time >= now else { return .failure(.backwards(now: now)) }
        guard time <= latest else { return .failure(.beyondRange(limit: latest)) }
        try db.query(setStatement, [time, actor])
        try db.query(notifyStatement)
        return .success(time)
    }

    public static func advance(by seconds: TimeInterval, by actor: String, on db: isolated Connection) throws -> Result<Date, Refusal> {
        let reading = try read(on: db)
        guard reading.mode == .simulated, let now = reading.simulatedNow else { return .failure(.notSimulated) }
        return try set(now.addingTimeInterval(seconds), by: actor, on: db)
    }

    static let readStatement = Statement("clock_read", "SELECT mode, simulated_now, updated_at, updated_by FROM clock")
    static let simulatedNowStatement = Statement("clock_simulated_now", "SELECT simulated_now FROM clock WHERE mode = 'simulated'")
    static let simulateStatement = Statement("clock_simulate", """
        UPDATE clock SET mode = 'simulated', simulated_now = $1, updated_at = clock_timestamp(), updated_by = $2
        """)
    static let systemStatement = Statement("clock_system", """
        UPDATE clock SET mode = 'system', simulated_now = NULL, updated_at = clock_timestamp(), updated_by = $1
        """)
    static let setStatement = Statement("clock_set", """
        UPDATE clock SET simulated_now = $1, updated_at = clock_timestamp(), updated_by = $2 WHERE mode = 'simulated'
        """)
    static let notifyStatement = Statement("clock_notify", "SELECT pg_notify('muamala_queue', 'clock')")
}
