import Refiners
import SegmentAnything
import Tensor

/// The prompts SAM received for one image, as recorded in `out/logs/NAME.json` and by
/// `ultrarefiner infer`: each in SAM's frame and mapped back to original pixels, with the
/// candidates' predicted IoU and which one was chosen.
enum PromptRecord {
    static func make(_ output: UltraRefinerModel.Output, input: SAMInput, overridden: PromptSidecars) -> [String: Any] {
        func original(_ x: Float, _ y: Float) -> [Double] {
            let p = input.imageCoordinates(x: x, y: y)
            return [p.x, p.y]
        }
        let prompts = output.samPrompts
        var record: [String: Any] = [
            "frame": input.frame.side,
            "preprocessing": input.preprocessing.description,
            "iou_predictions": output.iouPredictions.scalars.map(Double.init),
            "best_candidate": output.best[0],
            "empty_coarse_prediction": output.prompts.emptyPrediction[0],
            "mask_prompt": prompts.masks != nil,
            "box_source": overridden.box != nil ? "sidecar" : (prompts.boxes != nil ? "generated" : "none"),
            "points_source": overridden.points != nil ? "sidecar" : (prompts.points != nil ? "generated" : "none"),
        ]
        if let points = prompts.points?.scalars {
            record["points"] = prompts.labels.indices.map { i -> [String: Any] in
                let x = points[2 * i], y = points[2 * i + 1]
                return ["label": prompts.labels[i].rawValue, "frame_xy": [Double(x), Double(y)], "image_xy": original(x, y)]
            }
        }
        if let box = prompts.boxes?.scalars {
            record["box"] = ["frame_xyxy": box.map(Double.init),
                             "image_xyxy": original(box[0], box[1]) + original(box[2], box[3])]
        }
        return record
    }
}
