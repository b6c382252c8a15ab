import Tensor

/// Fits learned position embeddings to another token grid, as the original `load_from` does:
/// the grid is zoomed with first-order splines (`scipy.ndimage.zoom(order=1)`), which at these
/// sizes is bilinear interpolation with aligned corners.
public enum PositionEmbeddingResize {
    /// `embeddings` (1, n, hidden) fitted to `grid`×`grid` tokens. A leading class-token slot
    /// (n − 1 square, or n = grid² + 1) is dropped first, since the segmentation model has none.
    public static func fitted(_ embeddings: Tensor, grid: Int) throws -> Tensor {
        guard embeddings.rank == 3, embeddings.shape[0] == 1 else {
            throw TransUNetConfigError("position embeddings must be (1, tokens, hidden), got \(embeddings.shape)")
        }
        let tokens = embeddings.shape[1], hidden = embeddings.shape[2]
        if tokens == grid * grid { return embeddings }
        if tokens == grid * grid + 1 { return embeddings.slice(axis: 1, 1) }
        // Any other length is a grid, possibly behind a class token.
        var gridTokens = embeddings
        if squareSide(tokens) == nil, squareSide(tokens - 1) != nil { gridTokens = embeddings.slice(axis: 1, 1) }
        guard let oldGrid = squareSide(gridTokens.shape[1]) else {
            throw TransUNetConfigError("\(tokens) position embeddings do not form a square grid")
        }
        let map = gridTokens.reshaped([oldGrid, oldGrid, hidden]).permuted(2, 0, 1).unsqueezed(0)
        let zoomed = map.interpolated(size: Size2D(grid, grid), mode: .bilinear(alignCorners: true))
        return zoomed.squeezed(0).permuted(1, 2, 0).reshaped([1, grid * grid, hidden])
    }

    private static func squareSide(_ n: Int) -> Int? {
        guard n > 0 else { return nil }
        let side = Int(Double(n).squareRoot().rounded())
        return side * side == n ? side : nil
    }
}
