import Durable
import Spool
import Testing

/// Parses `text` as a job file named `name`.
private func job(_ text: String, _ name: String = "train.toml") throws -> JobFile {
    try JobFile.parse(Array(text.utf8), fileName: name)
}

/// The message a job file is rejected with.
private func rejection(_ text: String, _ name: String = "train.toml") -> String? {
    do {
        _ = try job(text, name)
        return nil
    } catch let error as FormatError {
        return error.description
    } catch {
        return "unexpected error type: \(error)"
    }
}

@Test func issueExampleTrainingJobParses() throws {
    let parsed = try job("""
        stage = "train-transunet"   # prepare | train-transunet | ...
        dataset = "BUSI"
        folds = [0, 1, 2, 3, 4]
        preset = "cpu-small"
        epochs = 150
        promote = true              # on success, the daemon starts using the new weights
        """)
    #expect(parsed.stage == .trainTransUNet)
    #expect(parsed.jobID == "train")
    #expect(parsed.dataset == "BUSI")
    #expect(parsed.folds == [0, 1, 2, 3, 4])
    #expect(parsed.preset == "cpu-small")
    #expect(parsed.epochs == 150)
    #expect(parsed.promote)
}

@Test func sameJobAsJSONParsesIdentically() throws {
    let toml = try job("stage = \"finetune-sam\"\ndataset = \"BUSI\"\nfolds = [2]\nepochs = 3\nlearning_rate = 1e-4\nseed = 7\nbatch_size = 2\nsam = \"sam.pth\"\n", "ft.toml")
    let json = try job("{\n \"stage\": \"finetune-sam\", \"dataset\": \"BUSI\", \"folds\": [2], \"epochs\": 3,\n \"learning_rate\": 1e-4, \"seed\": 7, \"batch_size\": 2, \"sam\": \"sam.pth\"\n}", "ft.json")
    #expect(json.jobID == "ft" && toml.jobID == "ft")
    #expect(json.stage == toml.stage && json.dataset == toml.dataset && json.folds == toml.folds)
    #expect(json.epochs == toml.epochs && json.seed == toml.seed && json.sam == toml.sam)
    #expect(json.learningRate == 1e-4 && toml.learningRate == 1e-4)
    #expect(json.batchSize == 2 && toml.batchSize == 2)
}

@Test func everyStageHasAValidJob() throws {
    let bodies: [JobStage: String] = [
        .prepare: "raw = \"/data/busi\"\nname = \"BUSI\"\nout = \"prepared\"",
        .trainTransUNet: "dataset = \"BUSI\"\nepochs = 1",
        .predict: "dataset = \"BUSI\"\ncheckpoint = \"jobs/phase1\"",
        .finetuneSAM: "dataset = \"BUSI\"\nepochs = 1",
        .trainE2E: "dataset = \"BUSI\"\nepochs = 1\ntransunet = \"t.safetensors\"",
        .evaluate: "dataset = \"BUSI\"\ncheckpoint = \"joint.safetensors\"\nsplit = \"val4\"",
        .pipeline: "dataset = \"BUSI\"\npreset = \"tiny\"\npromote = false",
    ]
    for stage in JobStage.allCases {
        let body = try #require(bodies[stage])
        let parsed = try job("stage = \"\(stage.rawValue)\"\n" + body)
        #expect(parsed.stage == stage)
    }
}

@Test func rejectionsNameFileLineAndReason() {
    let cases: [(String, String, String)] = [
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\n\nepochs = -3\n", "train.toml",
         "train.toml:4: epochs must be a positive integer, got -3"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nepochs = 0\n", "train.toml",
         "train.toml:3: epochs must be a positive integer, got 0"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nepochs = \"ten\"\n", "train.toml",
         "train.toml:3: epochs must be a positive integer, got \"ten\""),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nepochs = 5\nepocs = 5\n", "train.toml",
         "train.toml:4: unknown key epocs"),
        ("stage = \"train\"\n", "train.toml",
         "train.toml:1: stage must be one of prepare | train-transunet | predict | finetune-sam | train-e2e | evaluate | pipeline, got \"train\""),
        ("dataset = \"BUSI\"\n", "train.toml", "train.toml:1: missing key stage"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\n", "train.toml",
         "train.toml:1: stage train-transunet needs key epochs"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nfolds = [0, 5]\nepochs = 1\n", "e.toml",
         "e.toml:3: folds must be between 0 and 4, got 5"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nfolds = [1, 1]\nepochs = 1\n", "e.toml",
         "e.toml:3: folds must be a non-empty list without repeats, got [1, 1]"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nfolds = [\"0\"]\nepochs = 1\n", "e.toml",
         "e.toml:3: folds must be an array of integers, got [\"0\"]"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nepochs = 1\npromote = \"yes\"\n", "p.toml",
         "p.toml:4: promote must be true or false, got \"yes\""),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nepochs = 1\nlearning_rate = 2\n", "p.toml",
         "p.toml:4: learning_rate must be in (0, 1), got 2.0"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nepochs = 1\nseed = -1\n", "p.toml",
         "p.toml:4: seed must be a non-negative integer, got -1"),
        ("stage = \"prepare\"\nraw = \"\"\n", "prep.toml", "prep.toml:2: raw must not be empty"),
        ("stage = \"prepare\"\nraw = \"r\"\nepochs = 3\n", "prep.toml", "prep.toml:3: unknown key epochs"),
        ("stage = \"prepare\"\nraw = \"r\"\nraw = \"s\"\n", "prep.toml", "prep.toml:3: duplicate key raw"),
        ("stage = \"prepare\"\nraw = r\n", "prep.toml",
         "prep.toml:2: cannot read value r (strings need double quotes)"),
        ("stage = \"prepare\"\nraw = \"r\n", "prep.toml", "prep.toml:2: unterminated string"),
        ("stage = \"prepare\"\nraw = \"r\" x\n", "prep.toml", "prep.toml:2: unexpected text after the value"),
        ("stage = \"train-transunet\"\ndataset = \"BUSI\"\nfolds = [0, 1\n", "e.toml",
         "e.toml:3: unterminated array (arrays must fit on one line)"),
        ("{\n  \"stage\": \"train-transunet\",\n  \"dataset\": \"BUSI\",\n  \"epochs\": -3\n}", "train.json",
         "train.json:4: epochs must be a positive integer, got -3"),
        ("{\n  \"stage\": \"train-transunet\",\n\n  \"colour\": 1\n}", "train.json",
         "train.json:4: unknown key colour"),
        ("{\"stage\": \"prepare\",\n \"raw\": \"a\",\n \"raw\": \"b\"}", "p.json", "p.json:3: duplicate key raw"),
        ("{\"stage\": \"prepare\",\n \"raw\": {\"a\": 1}}", "p.json", "p.json:2: nested objects are not allowed in job files"),
        ("{\"stage\": \"prepare\",\n \"raw\": \"a\"", "p.json", "p.json:2: expected } (file ends early)"),
        ("stage = \"prepare\"", "job.yaml", "job.yaml: job files must end in .toml or .json"),
    ]
    for (text, name, expected) in cases {
        #expect(rejection(text, name) == expected, "\(name): \(text)")
    }
}

@Test func refinerStagesTakeTheirOwnKeysAndNeedTheirInputs() throws {
    let refiner = try job("stage = \"finetune-sam\"\ndataset = \"BUSI\"\nepochs = 4\nencoder = \"lora\"\ncoarse = \"mixed:0.3\"\noof = \"p/oof\"\nmax_train_cases = 50\n", "ft.toml")
    #expect(refiner.encoder == "lora" && refiner.coarse == "mixed:0.3" && refiner.oof == "p/oof" && refiner.maxTrainCases == 50)
    #expect(rejection("stage = \"finetune-sam\"\ndataset = \"B\"\nepochs = 1\nencoder = \"half\"\n", "ft.toml")
            == "ft.toml:4: encoder must be frozen, lora or full, got \"half\"")
    #expect(rejection("stage = \"train-e2e\"\ndataset = \"B\"\nepochs = 1\n", "e2e.toml")
            == "e2e.toml:1: stage train-e2e needs key transunet")
    #expect(rejection("stage = \"pipeline\"\ndataset = \"B\"\nepochs = 1\n", "p.toml") == "p.toml:3: unknown key epochs")
    #expect(try job("stage = \"evaluate\"\ndataset = \"B\"\ncheckpoint = \"j.safetensors\"\nsplit = \"val0\"\n").split == "val0")
}

@Test func trainingImageSizeMustBeAMultipleOf16() throws {
    #expect(try job("stage = \"train-transunet\"\ndataset = \"B\"\nepochs = 1\nimage_size = 64\n").imageSize == 64)
    #expect(throws: FormatError("train.toml:4", "image_size must be a multiple of 16, got 60")) {
        try job("stage = \"train-transunet\"\ndataset = \"B\"\nepochs = 1\nimage_size = 60\n")
    }
}

@Test func windowsLineEndingsParseWithTheRightLineNumbers() throws {
    #expect(try job("stage = \"train-transunet\"\r\ndataset = \"BUSI\"\r\nepochs = 3\r\n").epochs == 3)
    #expect(throws: FormatError("train.toml:3", "epochs must be a positive integer, got 0")) {
        try job("stage = \"train-transunet\"\r\ndataset = \"BUSI\"\r\nepochs = 0\r\n")
    }
}

@Test func uMedSAMKeysParseForFinetuneSAM() throws {
    let parsed = try job("""
        stage = "finetune-sam"
        dataset = "BUSI"
        epochs = 10
        loss = "uncertainty"
        losses = ["dice", "bce", "mse", "shape"]
        uncertainty_form = "paper"
        optimizer = "sam-adamw"
        rho = 0.05
        schedule = "plateau"
        """, "umedsam.toml")
    #expect(parsed.loss == "uncertainty" && parsed.losses == ["dice", "bce", "mse", "shape"])
    #expect(parsed.uncertaintyForm == "paper" && parsed.optimizer == "sam-adamw" && parsed.rho == 0.05)
    #expect(parsed.schedule == "plateau")
    let json = try job("{\"stage\": \"finetune-sam\", \"dataset\": \"BUSI\", \"epochs\": 1, \"loss\": \"uncertainty\", \"losses\": [\"shape\"], \"optimizer\": \"sam-adamw\"}", "u.json")
    #expect(json.losses == ["shape"] && json.optimizer == "sam-adamw" && json.rho == nil)
    // The end-to-end phase shares the optimiser and schedule, not phase 2's loss.
    #expect(try job("stage = \"train-e2e\"\ndataset = \"B\"\nepochs = 1\ntransunet = \"t\"\nschedule = \"plateau\"\n").schedule == "plateau")
}

@Test func malformedUMedSAMKeysNameFileLineAndKey() {
    let head = "stage = \"finetune-sam\"\ndataset = \"B\"\nepochs = 1\n"
    let cases: [(String, String)] = [
        ("loss = \"focal\"\n", "u.toml:4: loss must be one of standard | sum | uncertainty, got \"focal\""),
        ("loss = \"uncertainty\"\nlosses = [\"dice\", \"iou\"]\n", "u.toml:5: losses must be among dice, bce, mse, shape, got \"iou\""),
        ("loss = \"uncertainty\"\nlosses = []\n", "u.toml:5: losses must name at least one of dice, bce, mse, shape"),
        ("loss = \"uncertainty\"\nlosses = [\"dice\", \"dice\"]\n", "u.toml:5: losses must not repeat a component, got [\"dice\", \"dice\"]"),
        ("loss = \"uncertainty\"\nlosses = \"dice\"\n", "u.toml:5: losses must be an array of strings, got \"dice\""),
        ("losses = [\"dice\"]\n", "u.toml:4: losses only applies with loss = \"sum\" or \"uncertainty\""),
        ("loss = \"sum\"\nuncertainty_form = \"paper\"\n", "u.toml:5: uncertainty_form only applies with loss = \"uncertainty\""),
        ("loss = \"standard\"\nuncertainty_form = \"paper\"\n", "u.toml:5: uncertainty_form only applies with loss = \"uncertainty\""),
        ("loss = \"uncertainty\"\nuncertainty_form = \"kendall\"\n", "u.toml:5: uncertainty_form must be one of paper | authors, got \"kendall\""),
        ("optimizer = \"sgd\"\n", "u.toml:4: optimizer must be one of adamw | sam-adamw, got \"sgd\""),
        ("optimizer = \"sam-adamw\"\nrho = 0\n", "u.toml:5: rho must be a positive number, got 0.0"),
        ("optimizer = \"sam-adamw\"\nrho = \"big\"\n", "u.toml:5: rho must be a number, got \"big\""),
        ("rho = 0.1\n", "u.toml:4: rho only applies with optimizer = \"sam-adamw\""),
        ("schedule = \"step\"\n", "u.toml:4: schedule must be one of cosine | plateau, got \"step\""),
    ]
    for (body, expected) in cases {
        #expect(rejection(head + body, "u.toml") == expected, "\(body)")
    }
    #expect(rejection("stage = \"train-e2e\"\ndataset = \"B\"\nepochs = 1\ntransunet = \"t\"\nloss = \"uncertainty\"\n", "e.toml")
            == "e.toml:5: unknown key loss")
}

/// Phase 2's prompt source: `prompts = "gt-box"` with an optional `box_shift`; both are phase 2's alone.
@Test func promptKeysParseForFinetuneSAMAndNameFileLineAndKeyWhenWrong() throws {
    let head = "stage = \"finetune-sam\"\ndataset = \"B\"\nepochs = 1\n"
    let parsed = try job(head + "prompts = \"gt-box\"\nbox_shift = 0\n", "g.toml")
    #expect(parsed.prompts == "gt-box" && parsed.boxShift == 0)
    #expect(try job(head).prompts == nil)
    let cases: [(String, String)] = [
        ("prompts = \"points\"\n", "g.toml:4: prompts must be one of coarse | gt-box, got \"points\""),
        ("box_shift = 5\n", "g.toml:4: box_shift only applies with prompts = \"gt-box\""),
        ("prompts = \"coarse\"\nbox_shift = 5\n", "g.toml:5: box_shift only applies with prompts = \"gt-box\""),
        ("prompts = \"gt-box\"\nbox_shift = -2\n", "g.toml:5: box_shift must be 0 or more pixels, got -2"),
        ("prompts = \"gt-box\"\nbox_shift = 1.5\n", "g.toml:5: box_shift must be an integer, got 1.5"),
    ]
    for (body, expected) in cases {
        #expect(rejection(head + body, "g.toml") == expected, "\(body)")
    }
    #expect(rejection("stage = \"train-e2e\"\ndataset = \"B\"\nepochs = 1\ntransunet = \"t\"\nprompts = \"gt-box\"\n", "e.toml")
            == "e.toml:5: unknown key prompts")
}

/// Phase 2's refiner: `refiner = "imedsam"` with I-MedSAM's own keys, which need it.
@Test func refinerKeysParseForFinetuneSAMAndNeedIMedSAM() throws {
    let head = "stage = \"finetune-sam\"\ndataset = \"B\"\nepochs = 1\n"
    let parsed = try job(head + "refiner = \"imedsam\"\nfrequency_adapter = \"phase\"\nlora = false\nbox_coordinates = false\nquery_side = 32\n", "i.toml")
    #expect(parsed.refiner == "imedsam" && parsed.frequencyAdapter == "phase" && parsed.lora == false && parsed.boxCoordinates == false
            && parsed.querySide == 32)
    #expect(try job(head).refiner == nil)
    let cases: [(String, String)] = [
        ("refiner = \"gru\"\n", "i.toml:4: refiner must be one of sam | imedsam, got \"gru\""),
        ("frequency_adapter = \"phase\"\n", "i.toml:4: frequency_adapter only applies with refiner = \"imedsam\""),
        ("refiner = \"sam\"\nlora = true\n", "i.toml:5: lora only applies with refiner = \"imedsam\""),
        ("box_coordinates = false\n", "i.toml:4: box_coordinates only applies with refiner = \"imedsam\""),
        ("refiner = \"imedsam\"\nquery_side = 2\n", "i.toml:5: query_side must be at least 4, got 2"),
        ("refiner = \"imedsam\"\nfrequency_adapter = \"both\"\n", "i.toml:5: frequency_adapter must be one of amplitude | phase | none, got \"both\""),
    ]
    for (body, expected) in cases {
        #expect(rejection(head + body, "i.toml") == expected, "\(body)")
    }
    #expect(rejection("stage = \"train-e2e\"\ndataset = \"B\"\nepochs = 1\ntransunet = \"t\"\nrefiner = \"imedsam\"\n", "e.toml")
            == "e.toml:5: unknown key refiner")
}
