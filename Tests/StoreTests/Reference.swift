import Crypto
import Foundation

/// An independent SHA-256 for checking the chain formula (swift-crypto, used directly).
enum EventChainReference {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
