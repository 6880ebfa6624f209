import Domain
import Foundation

/// Finds the files that ship beside the binaries (`Schema/`, `Rulebook/`, `.local/pg`): the
/// first match walking up from the current folder and from the running program. (Paths set
/// by configuration come from `Settings`.)
public enum ProjectFiles {
    public static func find(_ relativePath: String) -> URL? {
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

    /// The rulebook at `path`, else `Rulebook/rulebook.json` found upwards (`Settings`
    /// passes MUAMALA_RULEBOOK).
    public static func loadRulebook(path: String?) throws -> Rulebook {
        guard let url = path.map({ URL(fileURLWithPath: $0) }) ?? find("Rulebook/rulebook.json") else {
            throw RulebookError("cannot find Rulebook/rulebook.json; set MUAMALA_RULEBOOK to its path")
        }
        do {
            return try Rulebook(json: try Data(contentsOf: url))
        } catch let error as RulebookError {
            throw RulebookError("\(url.path): \(error.description)")
        }
    }
}
