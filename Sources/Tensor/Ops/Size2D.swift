/// A (height, width) pair for kernel sizes, strides, padding and output sizes; an integer
/// literal means the same value for both, as PyTorch's `int` shorthand.
public struct Size2D: Sendable, Equatable, ExpressibleByIntegerLiteral {
    /// Extent along the height axis.
    public var h: Int
    /// Extent along the width axis.
    public var w: Int

    /// Distinct height and width.
    public init(_ h: Int, _ w: Int) {
        self.h = h
        self.w = w
    }

    /// The same value for both axes.
    public init(integerLiteral value: Int) {
        self.init(value, value)
    }
}
