# The input and argument helpers of the prep rule (prep.smk includes this file first).

def prep_entry(w):
    return config["prep"]["datasets"][w.dataset]


def prep_files(w):
    """The repository file a dataset is read from (cifar10-jpeg's image table), so that a new file reruns it."""
    file = prep_entry(w)["options"].get("file")
    return [file] if file else []
