#!/usr/bin/env python3
"""Peer benchmark: train RecBole 1.2.1's SASRec on a RecBole atomic dataset and write a JSON report.

Drives RecBole through its building blocks (Config, create_dataset, data_preparation, get_model,
get_trainer) instead of `recbole.quick_start`, which imports `ray` and breaks on the pinned stack.
Epochs are run by this script (mirroring `Trainer.fit` in RecBole 1.2.1: `_train_epoch`, then
`_valid_epoch`, `early_stopping`, checkpoint on improvement), so that every epoch's training time
and validation metrics are recorded. The best checkpoint is evaluated on the test set at the end.

Usage (see benches/peers/README.md):
    python recbole_sasrec.py --data-path DIR --dataset NAME --report out.json [--eval-mode full|uni100] ...

The dataset must be at DIR/NAME/NAME.inter with the header
`user_id:token<TAB>item_id:token<TAB>timestamp:float`.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings

METRIC_KEYS = {"hit@10": "HR@10", "ndcg@10": "NDCG@10", "mrr@10": "MRR"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Train RecBole's SASRec and write a JSON report (peer benchmark)."
    )
    p.add_argument("--data-path", required=True, help="directory holding NAME/NAME.inter")
    p.add_argument("--dataset", required=True, help="dataset name NAME")
    p.add_argument("--eval-mode", choices=["full", "uni100"], default="full",
                   help="RecBole eval_args.mode: full ranking or 100 uniformly sampled negatives")
    p.add_argument("--epochs", type=int, default=50, help="maximum number of epochs")
    p.add_argument("--stopping-step", type=int, default=10,
                   help="early stopping: epochs without a better valid NDCG@10")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="wall-clock budget of the epoch loop (training + validation); "
                        "stops after the epoch that crosses it")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--max-len", type=int, default=50, help="MAX_ITEM_LIST_LENGTH")
    p.add_argument("--hidden", type=int, default=64, help="hidden_size")
    p.add_argument("--layers", type=int, default=2, help="n_layers")
    p.add_argument("--heads", type=int, default=2, help="n_heads")
    p.add_argument("--dropout", type=float, default=0.5,
                   help="hidden_dropout_prob and attn_dropout_prob")
    p.add_argument("--lr", type=float, default=1e-3, help="learning_rate (Adam)")
    p.add_argument("--batch", type=int, default=256, help="train_batch_size")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--report", required=True, help="path of the JSON report to write")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if args.threads < 1:
        p.error("--threads must be at least 1")
    return args


def die(message, code=3):
    print(message, file=sys.stderr)
    sys.exit(code)


def metrics_of(result):
    """Maps RecBole's result dict (`hit@10`, `ndcg@10`, `mrr@10`) to the report's key names."""
    return {ours: float(result[theirs]) for theirs, ours in METRIC_KEYS.items()}


def main(argv=None):
    args = parse_args(argv)

    # Thread counts must be fixed before torch (and numpy's BLAS) are loaded.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    # RecBole's own checkpoints hold its Config object; torch >= 2.6 defaults torch.load to
    # weights_only=True, which refuses them. The file is written by this run, so it is trusted.
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    # RecBole's Config also parses `--key=value` command-line arguments, and they override
    # config_dict: hide ours from it.
    sys.argv = sys.argv[:1]
    # Deprecation noise from pandas/torch about RecBole 1.2.1's code; nothing actionable here.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD.*")

    try:
        import torch
        import recbole
        from recbole.config import Config
        from recbole.data import create_dataset, data_preparation
        from recbole.utils import (
            early_stopping,
            calculate_valid_score,
            get_model,
            get_trainer,
            init_logger,
            init_seed,
        )
    except ImportError as error:
        die(f"RecBole is not installed: run benches/peers/setup.sh ({error})")

    data_path = os.path.abspath(args.data_path)
    report_path = os.path.abspath(args.report)
    inter_file = os.path.join(data_path, args.dataset, f"{args.dataset}.inter")
    if not os.path.isfile(inter_file):
        die(f"dataset file not found: {inter_file}", code=2)
    if args.device == "cuda" and not torch.cuda.is_available():
        die("--device cuda was asked for, but torch sees no CUDA device", code=2)

    torch.set_num_threads(args.threads)

    eval_args = {
        "split": {"LS": "valid_and_test"},
        "order": "TO",
        "mode": args.eval_mode,
        "group_by": "user",
    }
    settings = {
        "model": "SASRec",
        "MAX_ITEM_LIST_LENGTH": args.max_len,
        "hidden_size": args.hidden,
        "inner_size": 4 * args.hidden,
        "n_layers": args.layers,
        "n_heads": args.heads,
        "hidden_dropout_prob": args.dropout,
        "attn_dropout_prob": args.dropout,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-12,
        "initializer_range": 0.02,
        "loss_type": "CE",
        "train_neg_sample_args": None,
        "learner": "adam",
        "learning_rate": args.lr,
        "weight_decay": 0.0,
        "train_batch_size": args.batch,
        "eval_batch_size": 4096,
        "epochs": args.epochs,
        "stopping_step": args.stopping_step,
        "max_seconds": args.max_seconds,
        "eval_args": eval_args,
        "metrics": ["Hit", "NDCG", "MRR"],
        "topk": [10],
        "valid_metric": "NDCG@10",
        "seed": args.seed,
    }

    # RecBole writes ./log/ and ./log_tensorboard/ relative to the working directory, and the
    # checkpoint into checkpoint_dir: keep all of it in a temporary directory.
    old_cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="recbole-sasrec-") as work_dir:
        os.chdir(work_dir)
        try:
            report = run(args, settings, data_path, work_dir, torch, recbole, Config,
                         create_dataset, data_preparation, early_stopping,
                         calculate_valid_score, get_model, get_trainer, init_logger, init_seed)
        finally:
            os.chdir(old_cwd)

    os.makedirs(os.path.dirname(report_path) or ".", exist_ok=True)
    with open(report_path, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(
        f"RecBole SASRec: {report['train']['epochs']} epochs in {report['train']['seconds']:.1f} s "
        f"of training; best epoch {report['best_epoch']}: valid NDCG@10 "
        f"{report['valid']['NDCG@10']:.4f}, test NDCG@10 {report['test']['NDCG@10']:.4f} "
        f"HR@10 {report['test']['HR@10']:.4f}; report: {report_path}",
        file=sys.stderr,
    )


def run(args, settings, data_path, work_dir, torch, recbole, Config, create_dataset,
        data_preparation, early_stopping, calculate_valid_score, get_model, get_trainer,
        init_logger, init_seed):
    config_dict = {k: v for k, v in settings.items() if k not in ("model", "max_seconds")}
    config_dict.update({
        "data_path": data_path,
        "checkpoint_dir": os.path.join(work_dir, "saved"),
        "USER_ID_FIELD": "user_id",
        "ITEM_ID_FIELD": "item_id",
        "TIME_FIELD": "timestamp",
        "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
        # No filtering at all: the split must equal the one the Rust harness wrote.
        "rm_dup_inter": None,
        "val_interval": None,
        "filter_inter_by_user_or_item": False,
        "user_inter_num_interval": "[0,inf)",
        "item_inter_num_interval": "[0,inf)",
        "eval_step": 1,
        "valid_metric_bigger": True,
        "use_gpu": args.device == "cuda",
        "gpu_id": "0" if args.device == "cuda" else "",
        "worker": 0,
        "reproducibility": True,
        "shuffle": True,
        "show_progress": False,
        "save_dataset": False,
        "save_dataloaders": False,
        "log_wandb": False,
        "state": "INFO",
    })

    config = Config(model="SASRec", dataset=args.dataset, config_dict=config_dict)
    init_seed(config["seed"], config["reproducibility"])
    init_logger(config)

    load_start = time.perf_counter()
    dataset = create_dataset(config)
    # Counted before data_preparation, which replaces the interactions by the augmented
    # sequences. RecBole counts the padding token [PAD] as user/item 0.
    counts = {
        "name": args.dataset,
        "users": int(dataset.user_num - 1),
        "items": int(dataset.item_num - 1),
        "interactions": int(dataset.inter_num),
    }
    train_data, valid_data, test_data = data_preparation(config, dataset)
    load_seconds = time.perf_counter() - load_start

    init_seed(config["seed"], config["reproducibility"])
    model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)
    training_sequences = len(train_data._dataset)

    # The epoch loop of RecBole 1.2.1's Trainer.fit (single process, eval_step 1), timed per epoch.
    trainer.eval_collector.data_collect(train_data)
    curve = []
    train_seconds = 0.0
    valid_seconds = 0.0
    best_epoch = None
    best_valid = None
    stop_reason = "epochs"
    loop_start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        loss = trainer._train_epoch(train_data, epoch, show_progress=False)
        if args.device == "cuda":
            torch.cuda.synchronize()
        t1 = time.perf_counter()
        valid_score, valid_result = trainer._valid_epoch(valid_data, show_progress=False)
        t2 = time.perf_counter()
        train_seconds += t1 - t0
        valid_seconds += t2 - t1
        loss = float(sum(loss)) if isinstance(loss, tuple) else float(loss)

        (trainer.best_valid_score, trainer.cur_step, stop_flag, update_flag) = early_stopping(
            valid_score,
            trainer.best_valid_score,
            trainer.cur_step,
            max_step=trainer.stopping_step,
            bigger=trainer.valid_metric_bigger,
        )
        valid = metrics_of(valid_result)
        if update_flag:
            trainer._save_checkpoint(epoch, verbose=False)
            trainer.best_valid_result = valid_result
            best_epoch = epoch
            best_valid = valid
        curve.append({
            "epoch": epoch,
            "seconds": round(train_seconds, 3),
            "epoch_seconds": round(t1 - t0, 3),
            "valid_seconds": round(t2 - t1, 3),
            "loss": loss,
            "valid": valid,
        })
        print(
            f"epoch {epoch}: train {t1 - t0:.1f} s, loss {loss:.2f}, valid {t2 - t1:.1f} s, "
            f"NDCG@10 {valid['NDCG@10']:.4f} HR@10 {valid['HR@10']:.4f} MRR {valid['MRR']:.4f}"
            + (" (best)" if update_flag else ""),
            file=sys.stderr, flush=True,
        )
        if stop_flag:
            stop_reason = "early_stopping"
            break
        if args.max_seconds is not None and time.perf_counter() - loop_start >= args.max_seconds:
            stop_reason = "max_seconds"
            break
    loop_seconds = time.perf_counter() - loop_start

    test_start = time.perf_counter()
    test_result = trainer.evaluate(test_data, load_best_model=True, show_progress=False)
    test_seconds = time.perf_counter() - test_start

    epochs_run = len(curve)
    return {
        "peer": "RecBole SASRec",
        "recbole_version": recbole.__version__,
        "torch_version": torch.__version__,
        "device": str(config["device"]),
        "threads": torch.get_num_threads(),
        "settings": settings,
        "dataset": counts,
        "train": {
            "epochs": epochs_run,
            "seconds": train_seconds,
            "sequences_per_second": training_sequences * epochs_run / train_seconds,
            "training_sequences": training_sequences,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "valid_seconds": valid_seconds,
            "loop_seconds": loop_seconds,
            "data_seconds": load_seconds,
            "test_seconds": test_seconds,
            "stop_reason": stop_reason,
        },
        "best_epoch": best_epoch,
        "valid": best_valid,
        "test": metrics_of(test_result),
        "curve": curve,
    }


if __name__ == "__main__":
    main()
