import ArgumentParser
import Engine
import Foundation
import PQ
import Store

/// `muamala checkpoint`: signed checkpoints of the history (see `Checkpoint`).
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign the history's stream heads with a key the database never holds, or make such a key.",
        discussion: """
            A checkpoint is a file in a folder kept away from the database (another machine, \
            an append-only bucket, an auditor's copy). Later, `muamala verify --checkpoints \
            FOLDER --public-key KEY.pub` proves that the history still passes through every \
            head signed there: a superuser who edits an event and recomputes the hashes after \
            it no longer does. The daemon takes one every hour when MUAMALA_CHECKPOINT_KEY and \
            MUAMALA_CHECKPOINT_DIR are set; this takes one now.

            Rotating the key: make a new one (`muamala checkpoint keygen`), give its .pub to \
            the auditors, point the daemon at the new private key. Keep the old .pub: the \
            checkpoints it signed are still checked with it (each names its key's id).
            """,
        subcommands: [Take.self, Keygen.self],
        defaultSubcommand: Take.self)

    struct Take: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "take", abstract: "Take a checkpoint now.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The private key file (default: MUAMALA_CHECKPOINT_KEY).") var key: String?
        @Option(help: "The checkpoint folder (default: MUAMALA_CHECKPOINT_DIR).") var dir: String?

        func run() async throws {
            let settings = try global.settings
            guard let keyPath = key ?? settings.checkpointKey else {
                throw ValidationError("give --key (or set MUAMALA_CHECKPOINT_KEY); make one with muamala checkpoint keygen")
            }
            guard let folder = dir ?? settings.checkpointDirectory else {
                throw ValidationError("give --dir (or set MUAMALA_CHECKPOINT_DIR)")
            }
            let checkpointer = Checkpointer(
                directory: CheckpointDirectory(URL(fileURLWithPath: folder)), signer: try CheckpointSigner(file: URL(fileURLWithPath: keyPath)))
            let connection = try await global.connect()
            let checkpoint = try await checkpointer.take(on: connection)
            if global.json {
                struct Taken: Encodable { let sequence: Int; let heads: Int; let key_id: String; let digest: String }
                try printJSON(Taken(sequence: checkpoint.sequence, heads: checkpoint.heads.count, key_id: checkpoint.keyID, digest: checkpoint.digest))
            } else {
                print("checkpoint \(checkpoint.sequence): \(checkpoint.heads.count) stream head(s) signed with key \(checkpoint.keyID)")
            }
        }
    }

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen", abstract: "Make a signing key: FILE (private, mode 600) and FILE.pub (for the auditors).")
        @Argument(help: "Where the private key goes; never overwritten.") var file: String

        func run() async throws {
            let signer = try CheckpointSigner.generate(to: URL(fileURLWithPath: file))
            print("key \(signer.keyID): private key in \(file), public key in \(file).pub")
        }
    }
}
