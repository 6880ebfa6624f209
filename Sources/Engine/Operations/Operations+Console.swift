import Domain
import Foundation
import PQ
import Store

/// What the staff console (`/console`) needs beyond the API's own operations: its sessions,
/// the queue's state with its last hour, and a subject's history. Staff only, like the CLI
/// commands they mirror (`muamala queue`, `muamala history`); the console's other pages use
/// the API's operations (`request`, `requests`, `redrive`, `worker`, `establishment`).
extension Operations {
    /// How long a console session lasts: a working day.
    public static let consoleSessionLifetime: TimeInterval = 8 * 3600

    /// Signs a staff member in: a new session for the staff token given, or nil when the
    /// token is not a staff member's (unknown, revoked, disabled or another role: one answer).
    public func openConsoleSession(token: String, lifetime: TimeInterval = Operations.consoleSessionLifetime) async throws -> ConsoleSessions.Opened? {
        guard !token.isEmpty, token.utf8.count <= 200 else { return nil }
        return try await run { db in try ConsoleSessions.open(token: token, lifetime: lifetime, on: db) }
    }

    /// The session behind a cookie, on the primary (a session just opened must be found).
    public func consoleSession(_ id: String) async throws -> ConsoleSessions.Session? {
        guard !id.isEmpty, id.utf8.count <= 100 else { return nil }
        return try await run { db in try ConsoleSessions.find(id, on: db) }
    }

    /// Signs out: the session is gone on the server, whatever the browser keeps.
    public func closeConsoleSession(_ id: String) async throws {
        guard !id.isEmpty, id.utf8.count <= 100 else { return }
        _ = try await run { db in try ConsoleSessions.close(id, on: db) }
    }

    public struct QueueOverview: Sendable {
        public let statistics: RequestQueue.Statistics
        /// Requests finished in each of the last 60 minutes (the database's clock), oldest
        /// first, zeros included; the last is the current minute, still counting.
        public let lastHour: [(minute: Date, count: Int)]
    }

    /// The queue as `muamala queue` shows it, with its last hour minute by minute (staff).
    public func queueOverview(for principal: AccountStore.Principal) async throws -> QueueOverview? {
        guard principal.user.role == .staff else { return nil }
        let clock = self.clock
        return try await run { db in
            QueueOverview(statistics: try RequestQueue.statistics(businessNow: try clock.now(on: db), realNow: Date(), on: db),
                          lastHour: try RequestQueue.finishedPerMinute(on: db))
        }
    }

    /// How many events a page shows: the newest.
    public static let timelineLength = 200

    /// The newest events of a worker, an establishment or a request, oldest first (staff;
    /// nil for anyone else). `muamala history` shows the rest.
    public func history(of subject: Subject?, request: UUID? = nil, limit: Int = Operations.timelineLength,
                        for principal: AccountStore.Principal) async throws -> [EventLog.Stored]? {
        guard principal.user.role == .staff else { return nil }
        let stream = subject?.key
        return try await read { db in try EventLog.latest(stream: stream, request: request, limit: limit, on: db) }
    }
}
