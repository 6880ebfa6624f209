import Crypto
import Foundation

/// The key that signs checkpoints of the history (Ed25519), kept in a file the database
/// never sees: whoever controls the database, a superuser included, cannot sign.
///
/// Files are text: a first line naming the kind, then the raw key in base64.
///
///     muamala-checkpoint-private-key v1      (mode 600; only the signing daemon reads it)
///     muamala-checkpoint-public-key v1       (given to every auditor)
///
/// A key is named by its id: the first 16 bytes of SHA-256 of the public key, in hex.
public struct CheckpointSigner: Sendable {
    /// The raw key (swift-crypto's key types are not `Sendable`; they are made per use).
    let raw: Data
    public let publicKey: CheckpointPublicKey
    public var keyID: String { publicKey.keyID }

    static let privateHeader = "muamala-checkpoint-private-key v1"

    /// Reads a private key file; refuses one that others may read.
    public init(file: URL) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw CheckpointError("\(file.path) may be read by others (mode \(String(mode, radix: 8))): chmod 600 it")
        }
        let raw = try Self.payload(of: file, header: Self.privateHeader)
        do {
            self.init(key: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        } catch {
            throw CheckpointError("\(file.path) does not hold an Ed25519 private key")
        }
    }

    init(key: Curve25519.Signing.PrivateKey) {
        raw = key.rawRepresentation
        publicKey = CheckpointPublicKey(raw: key.publicKey.rawRepresentation)
    }

    /// Makes a new key: the private file (mode 600, never overwritten) and `<file>.pub`.
    @discardableResult
    public static func generate(to file: URL) throws -> CheckpointSigner {
        let signer = CheckpointSigner(key: Curve25519.Signing.PrivateKey())
        let text = privateHeader + "\n" + signer.raw.base64EncodedString() + "\n"
        guard !FileManager.default.fileExists(atPath: file.path + ".pub") else {
            throw CheckpointError("\(file.path).pub exists already: a key is never overwritten")
        }
        // Created new (never over an existing file) with mode 600, so the key is never
        // readable by others and an existing key is never lost.
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CheckpointError(errno == EEXIST ? "\(file.path) exists already: a key is never overwritten" : "cannot create \(file.path): errno \(errno)")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        try signer.publicKey.write(to: URL(fileURLWithPath: file.path + ".pub"))
        return signer
    }

    func sign(_ message: [UInt8]) throws -> Data {
        try Curve25519.Signing.PrivateKey(rawRepresentation: raw).signature(for: Data(message))
    }

    static func payload(of file: URL, header: String) throws -> Data {
        let text = try String(contentsOf: file, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count == 2, lines[0] == header, let raw = Data(base64Encoded: lines[1]) else {
            throw CheckpointError("\(file.path) is not a \(header) file")
        }
        return raw
    }
}

/// A public key that checks checkpoints' signatures.
public struct CheckpointPublicKey: Sendable {
    let raw: Data

    static let header = "muamala-checkpoint-public-key v1"

    init(raw: Data) { self.raw = raw }

    public init(file: URL) throws {
        let raw = try CheckpointSigner.payload(of: file, header: Self.header)
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw CheckpointError("\(file.path) does not hold an Ed25519 public key")
        }
        self.raw = raw
    }

    public var keyID: String {
        SHA256.hash(data: raw).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    public func write(to file: URL) throws {
        try Data((Self.header + "\n" + raw.base64EncodedString() + "\n").utf8).write(to: file, options: .withoutOverwriting)
    }

    func isValid(_ signature: Data, for message: [UInt8]) -> Bool {
        (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?.isValidSignature(signature, for: Data(message)) ?? false
    }
}

public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
