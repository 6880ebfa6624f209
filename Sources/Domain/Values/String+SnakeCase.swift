extension String {
    /// `someKeyName` → `some_key_name`: a Swift name as JSON keys and SQL columns spell it.
    public var snakeCased: String {
        var result = ""
        result.reserveCapacity(utf8.count + 4)
        for character in self {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}
