import Engine
import Foundation
import PQ
import Testing
import TestSupport

/// Where reads go (`ReadRouting`), with the primary a real database and the standby either
/// the same database (a standby that keeps up) or one that cannot be reached.
@Suite("Read routing")
struct ReadRoutingTests {
    private static let unreachable = ConnectionConfig(parameters: ["host": "/nonexistent-muamala", "dbname": "x"], connectTimeout: .seconds(2))

    private func routing(standby: ConnectionConfig, maxLag: Duration = .seconds(5)) -> ReadRouting {
        ReadRouting(primary: ConnectionPool(.init(connection: TestDatabase.config, maxConnections: 2)),
                    standby: ConnectionPool(.init(connection: standby, maxConnections: 2)), maxLag: maxLag)
    }

    /// Which pool answered: the standby here is told apart by its application name.
    private func answeredBy(_ routing: ReadRouting) async throws -> String {
        try await routing.run { db in try db.query("SELECT current_setting('application_name')").single().decode(String.self, at: 0) }
    }

    @Test("the standby answers while its lag is known and within the bound; the primary when it is unknown or beyond")
    func byLag() async throws {
        var standby = TestDatabase.config
        standby.applicationName = "the-standby"
        let routing = routing(standby: standby, maxLag: .seconds(5))
        #expect(try await answeredBy(routing) != "the-standby", "before any sample the lag is unknown: the primary")
        routing.observe(lagSeconds: 0.5)
        #expect(try await answeredBy(routing) == "the-standby")
        routing.observe(lagSeconds: 5.5)
        #expect(try await answeredBy(routing) != "the-standby")
        routing.observe(lagSeconds: nil)
        #expect(try await answeredBy(routing) != "the-standby")
        await routing.primary.close()
        await routing.standby.close()
    }

    @Test("a read the standby cannot serve is answered by the primary, and the standby is left until sampled again")
    func fallsBackToThePrimary() async throws {
        let routing = routing(standby: Self.unreachable)
        routing.observe(lagSeconds: 0)
        #expect(try await routing.run { db in try db.query("SELECT 1").single().decode(Int.self, at: 0) } == 1)
        #expect(routing.lagSeconds == nil)
        #expect(!routing.usesStandby)
        await routing.primary.close()
        await routing.standby.close()
    }
}
