import Domain
import Foundation
import PQ
import Store
import Testing
import TestSupport

/// Tokens, grants and disabled accounts as authentication sees them, and the notification
/// each change sends so that daemons forget what they cached.
@Suite("Accounts")
struct AccountStoreTests {
    @Test("a token authenticates until revoked; a disabled account's tokens do not, until enabled")
    func tokensAndDisabledAccounts() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            let (user, token) = try await connection.run { db -> (AccountStore.User, String) in
                let user = try AccountStore.addUser(name: "delegate", role: .delegate, personID: Fixtures.person(1), unifiedNumber: nil, on: db)
                return (user, try AccountStore.issueToken(for: user.id, label: "t", on: db))
            }
            func authenticated(_ token: String) async throws -> AccountStore.Principal? {
                try await connection.run { db in try AccountStore.authenticate(token: token, on: db) }
            }
            #expect(try await authenticated(token)?.user.id == user.id)
            #expect(try await authenticated(token + "x") == nil)

            #expect(try await connection.run { db in try AccountStore.setDisabled(user.id, true, on: db) } == .changed)
            #expect(try await authenticated(token) == nil)
            #expect(try await connection.run { db in try AccountStore.setDisabled(user.id, true, on: db) } == .unchanged)
            #expect(try await connection.run { db in try AccountStore.setDisabled(UUID(), true, on: db) } == .noSuchUser)

            // Meanwhile the same person got another delegate account: enabling the first would
            // make two active ones.
            let second = try await connection.run { db in
                try AccountStore.addUser(name: "delegate again", role: .delegate, personID: Fixtures.person(1), unifiedNumber: nil, on: db)
            }
            #expect(try await connection.run { db in try AccountStore.setDisabled(user.id, false, on: db) } == .conflict)
            #expect(try await connection.run { db in try AccountStore.setDisabled(second.id, true, on: db) } == .changed)
            #expect(try await connection.run { db in try AccountStore.setDisabled(user.id, false, on: db) } == .changed)
            #expect(try await authenticated(token)?.user.id == user.id)

            #expect(try await connection.run { db in try AccountStore.revokeTokens(of: user.id, on: db) } == 1)
            #expect(try await authenticated(token) == nil)
            await connection.close()
        }
    }

    @Test("grants reach the principal; every change to grants, tokens or accounts is announced")
    func grantsAndNotifications() async throws {
        try await withScratchDatabase { database in
            let connection = try await database.connect()
            let establishment = try EstablishmentID("1-1")
            let (user, token) = try await connection.run { db -> (AccountStore.User, String) in
                let user = try AccountStore.addUser(name: "agent", role: .agent, personID: Fixtures.person(2), unifiedNumber: nil, on: db)
                return (user, try AccountStore.issueToken(for: user.id, label: "t", on: db))
            }
            let notifications = NotificationListener.notifications(database.config, channels: [AccountStore.changedChannel])
            let subscribed = Locked(false)
            let announced = try await withThrowingTaskGroup(of: Int?.self) { group in
                group.addTask {
                    var changes = 0
                    for try await case .notification(let notification) in notifications {
                        if notification.payload == "probe" { subscribed.withLock { $0 = true }; continue }
                        changes += 1
                        if changes == 5 { break }
                    }
                    return changes
                }
                group.addTask {
                    // LISTEN happens on the listener's own thread: probe until it hears.
                    while !subscribed.withLock({ $0 }) {
                        try await connection.query("SELECT pg_notify($1, 'probe')", [AccountStore.changedChannel])
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    try await connection.run { db in try AccountStore.grant(user.id, establishment: establishment, services: ["*"], on: db) }
                    let principal = try await connection.run { db in try AccountStore.authenticate(token: token, on: db) }
                    #expect(principal?.grants.map(\.establishmentID) == ["1-1"])
                    #expect(try await connection.run { db in try AccountStore.revoke(user.id, establishment: establishment, on: db) })
                    #expect(try await connection.run { db in try AccountStore.setDisabled(user.id, true, on: db) } == .changed)
                    #expect(try await connection.run { db in try AccountStore.revokeTokens(of: user.id, on: db) } == 1)
                    // The database announces, not the Swift code: an operator's SQL does too.
                    try await connection.execute("UPDATE users SET name = 'renamed' WHERE id = '\(user.id)'")
                    try await Task.sleep(for: .seconds(15))
                    return nil
                }
                // Grant, revoke, disable, revoke tokens, raw SQL: five announcements, or the 15 s are up.
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            #expect(announced == 5)
            await connection.close()
        }
    }

    @Test("the daemon's role may add registered people's accounts to users, and nothing else (row security)")
    func daemonRoleRegistersPeopleOnly() async throws {
        try await withScratchDatabase { database in
            let asApp = try await Connection.connect({
                var config = database.config
                config.setupStatements = ["SET ROLE muamala_app"]
                return config
            }())
            let insert = "INSERT INTO users (id, person_id, name, role, unified_number, registered_on) VALUES ($1, $2, 'x', $3, $4, '2026-01-01')"
            try await asApp.query(insert, [UUID(), Fixtures.person(1, saudi: true).digits, "person", String?.none])
            for (role, company) in [("staff", String?.none), ("system", nil), ("owner", "7000000001"), ("person", "7000000001")] {
                let refused = await #expect(throws: PQError.self, "\(role)") {
                    try await asApp.query(insert, [UUID(), Fixtures.person(2, saudi: true).digits, role, company])
                }
                #expect(refused?.sqlState == .insufficientPrivilege, "\(role): \(String(describing: refused))")
            }
            let update = await #expect(throws: PQError.self) { try await asApp.query("UPDATE users SET role = 'staff'") }
            #expect(update?.sqlState == .insufficientPrivilege)
            await asApp.close()
        }
    }
}
