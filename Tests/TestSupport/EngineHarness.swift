import Domain
import Foundation
import PQ
import Store

/// The repository's rulebook.
public enum TestRulebook {
    public static func load() throws -> Rulebook {
        try Rulebook(json: try Data(contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("Rulebook/rulebook.json")))
    }
}
