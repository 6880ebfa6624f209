import ArgumentParser
@testable import muamala
import Testing

/// Every command names itself. Without `commandName`, ArgumentParser derives each name from
/// the command's type name at every start (`String(describing:)`), and the runtime's
/// protocol-conformance lookups behind that were 13% of `muamala worker show`'s work
/// (BENCHMARKS.md, "The CLI").
@Suite("CLI: command names")
struct CommandNameTests {
    @Test("every command in the tree has an explicit name")
    func explicitNames() {
        var unnamed: [String] = []
        func visit(_ command: any ParsableCommand.Type, under path: String) {
            let configuration = command.configuration
            guard let name = configuration.commandName else {
                unnamed.append("\(path) › \(command)")
                return
            }
            for subcommand in configuration.subcommands { visit(subcommand, under: "\(path) \(name)") }
        }
        visit(Muamala.self, under: "")
        #expect(unnamed.isEmpty, "commands without commandName: \(unnamed)")
    }
}
