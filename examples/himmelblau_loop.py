"""7.8 Gradient descent on Himmelblau's function through the tape (Table 7-1).

The chapter's loop with only the import line changed, and two of its bugs fixed: the printed
f(x) is the value at the updated x (the listing printed the value from before the step), and
the function value no longer shadows the name ``y``. Every start of Table 7-1 is run.
"""
from deltagrad.compat import tf


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


# The start decides which of the four minima gradient descent finds (Table 7-1).
for start in ([4., 0.], [1., 0.], [-4., 0.], [-2., 2.]):
    print('start: x = {}'.format(start))
    x = tf.constant(start)  # Initialization
    for step in range(200):  # Loop 200 times
        with tf.GradientTape() as tape:  # record gradient
            tape.watch([x])  # Add to the gradient recording list
            f = himmelblau(x)  # forward propagation
        # backward propagation
        grads = tape.gradient(f, [x])[0]
        # update parameters with learning rate of 0.01
        x -= 0.01 * grads
        # print info
        if step % 20 == 19:
            print('step {}: x = {}, f(x) = {}'
                  .format(step, x.numpy(), himmelblau(x).numpy()))
