import Crypto
import Foundation

/// The request id of a timer, derived from its key, so that a later decision can cancel it
/// by key without having stored its id anywhere.
public enum TimerID {
    public static func make(_ key: String) -> UUID {
        var bytes = Array(SHA256.hash(data: Data(("muamala-timer:" + key).utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
