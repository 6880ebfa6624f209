import Foundation

/// A statement's parameters packed for libpq: one buffer holding every value, and each
/// value's start, length and format (0 text, 1 binary), alive exactly as long as the call.
struct EncodedParameters {
    private var bytes: [UInt8] = []
    /// Where each value starts in `bytes`; -1 is NULL.
    private var starts: [Int] = []
    private var lengths: [Int32] = []
    /// 0 text, 1 binary, by parameter.
    private(set) var formats: [Int32] = []

    /// Encodes `parameters`, in binary where `types` (the server's parameter types, known
    /// for a prepared statement) names a type the value writes, in text otherwise.
    init(_ parameters: [(any PostgresEncodable)?], types: [OID]? = nil) throws {
        starts.reserveCapacity(parameters.count)
        lengths.reserveCapacity(parameters.count)
        formats.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            guard let parameter else {
                starts.append(-1)
                lengths.append(0)
                formats.append(0)
                continue
            }
            let start = bytes.count
            if let types, index < types.count, try parameter.appendBinary(as: types[index], to: &bytes) {
                starts.append(start)
                lengths.append(Int32(bytes.count - start))
                formats.append(1)
                continue
            }
            bytes.removeSubrange(start...)
            try BinaryParameter.appendUTF8(parameter.postgresText, to: &bytes)
            bytes.append(0)  // libpq reads text values up to their NUL
            starts.append(start)
            lengths.append(Int32(bytes.count - start - 1))
            formats.append(0)
        }
        // A value of no bytes still needs a pointer (a nil one is NULL): the buffer is never empty.
        bytes.append(0)
    }

    /// Calls `body` with libpq's four parameter arguments: count, values, lengths, formats.
    func withLibpqArguments<R>(
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) throws -> R
    ) rethrows -> R {
        if starts.isEmpty { return try body(0, nil, nil, nil) }
        return try bytes.withUnsafeBufferPointer { base in
            let raw = UnsafeRawPointer(base.baseAddress)
            let values: [UnsafePointer<CChar>?] = starts.map { start in
                start < 0 ? nil : raw.map { ($0 + start).assumingMemoryBound(to: CChar.self) }
            }
            return try values.withUnsafeBufferPointer { values in
                try lengths.withUnsafeBufferPointer { lengths in
                    try formats.withUnsafeBufferPointer { formats in
                        try body(Int32(starts.count), values.baseAddress, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }
}
