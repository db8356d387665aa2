package imfengine.data;

/** Which part of a dataset with a fixed held-out set: the training part or the test part. */
public enum Split {
    TRAIN, TEST
}
