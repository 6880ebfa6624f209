@testable import PQ
import Testing

@Suite("Connection settings")
struct ConnectionConfigTests {
    @Test("the connect timeout is added, unless the operator's connection string sets its own (per host, with several)")
    func connectTimeout() {
        let plain = ConnectionConfig(connectionString: "postgresql:///muamala?host=/a,/b", connectTimeout: .seconds(10))
        #expect(plain.keywordsAndValues.filter { $0.0 == "connect_timeout" }.map(\.1) == ["10"])
        let own = ConnectionConfig(connectionString: "postgresql:///muamala?host=/a,/b&connect_timeout=2", connectTimeout: .seconds(10))
        #expect(own.keywordsAndValues.filter { $0.0 == "connect_timeout" }.isEmpty)
    }
}
