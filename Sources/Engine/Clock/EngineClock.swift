import Foundation
import PQ
import Store

/// The one clock decisions read: the system clock, or the simulated time kept in the
/// database (the same for every daemon, moved only by staff).
public struct EngineClock: Sendable {
    public enum Mode: String, Sendable {
        case system, simulated
    }

    public let mode: Mode

    public init(mode: Mode) { self.mode = mode }

    /// Business time now, read inside the caller's transaction.
    public func now(on db: isolated Connection) throws -> Date {
        switch mode {
        case .system:
            return Date()
        case .simulated:
            guard let now = try ClockStore.simulatedNow(on: db) else {
                throw ClockMismatch("the daemon runs on simulated time but the database's clock is the system clock; run `muamala clock simulate`")
            }
            return now
        }
    }

    /// Refuses to start when the database's clock mode is not the daemon's.
    public func checkAgrees(on db: isolated Connection) throws {
        let reading = try ClockStore.read(on: db)
        switch (mode, reading.mode) {
        case (.system, .system), (.simulated, .simulated):
            return
        case (.system, .simulated):
            throw ClockMismatch("the database runs on simulated time (\(reading.simulatedNow.map { "\($0)" } ?? "?")); start the daemon with MUAMALA_CLOCK=simulated, or switch the database back with `muamala clock system`")
        case (.simulated, .system):
            throw ClockMismatch("the daemon was asked for simulated time but the database runs on the system clock; run `muamala clock simulate --at <time>` first")
        }
    }
}

public struct ClockMismatch: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
