import Foundation
import PQ
import Testing
import TestSupport

/// A pipeline that fails while sending must not leave its session in pipeline mode: the
/// next caller of the session (the pool hands it on) must find it as it was.
@Suite("Pipeline failures")
struct PipelineFailureTests {
    @Test("libpq refusing a statement mid-pipeline (65,536 parameters) throws, and the session still works")
    func refusedMidPipeline() async throws {
        let connection = try await TestDatabase.connect()
        let tooMany: [(any PostgresEncodable)?] = Array(repeating: 1, count: 65_536)
        let placeholders = (1...65_536).map { "$\($0)::int" }.joined(separator: ",")
        await #expect(throws: PQError.self) {
            _ = try await connection.pipeline([
                PipelineStatement("SELECT 1"), PipelineStatement("SELECT 2"),
                PipelineStatement("SELECT greatest(\(placeholders))", tooMany), PipelineStatement("SELECT 4"),
            ])
        }
        #expect(await connection.isHealthy)
        #expect(try await connection.query("SELECT $1::int AS n", [7]).single().decode(Int.self, "n") == 7)
        let results = try await connection.pipeline([PipelineStatement("SELECT 8 AS n"), PipelineStatement("SELECT 9 AS n")])
        #expect(try results.map { try $0.single().decode(Int.self, "n") } == [8, 9])
        // And inside a transaction, the failure rolls it back and the session goes on.
        await #expect(throws: (any Error).self) {
            try await connection.withTransaction { db in
                _ = try db.pipeline([PipelineStatement("SELECT 1"), PipelineStatement("SELECT greatest(\(placeholders))", tooMany)])
            }
        }
        #expect(await connection.isHealthy)
        #expect(try await connection.withTransaction { db in try db.query("SELECT 10 AS n").single().decode(Int.self, "n") } == 10)
    }
}
