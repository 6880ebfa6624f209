import Domain
import Foundation

/// Finds the files that ship beside the binaries (`Schema/`, `Rulebook/`, `.local/pg`):
/// an environment variable first, else the first match walking up from the current
/// folder and from the running program.
public enum ProjectFiles {
    public static func find(_ relativePath: String, environmentKey: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let environmentKey, let path = environment[environmentKey], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        for start in starts {
            var folder = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = folder.appendingPathComponent(relativePath)
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    /// The rulebook: `MUAMALA_RULEBOOK`, else `Rulebook/rulebook.json` found upwards.
    public static func loadRulebook(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Rulebook {
        guard let url = find("Rulebook/rulebook.json", environmentKey: "MUAMALA_RULEBOOK", environment: environment) else {
            throw RulebookError("cannot find Rulebook/rulebook.json; set MUAMALA_RULEBOOK to its path")
        }
        do {
            return try Rulebook(json: try Data(contentsOf: url))
        } catch let error as RulebookError {
            throw RulebookError("\(url.path): \(error.description)")
        }
    }
}
