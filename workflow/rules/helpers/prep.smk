# The input and argument helpers of the prep rule (prep.smk includes this file first).

def prep_entry(w):
    return config["prep"]["datasets"][w.dataset]


def prep_files(w):
    """The repository files a dataset is read from (cifar10-jpeg's image table, a corpus folder's text files), so
    that a new file reruns it."""
    options = prep_entry(w)["options"]
    folder = options.get("dir")
    text = sorted(glob.glob(os.path.join(folder, "*.t*"))) if folder else []  # *.tokens (WikiText), *.txt (PTB)
    return ([options["file"]] if options.get("file") else []) + text
